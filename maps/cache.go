package maps

import (
	"bytes"
	"cmp"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/catchment/catchment/geo"
	"github.com/paulmach/orb"
)

var zeroTime time.Time

// cache keeps the derived catchments of the most recently used (round,
// level) pairs and the base layers of the most recently used rounds.
// A derivation in progress is shared by every request that needs it.
type cache struct {
	mu    sync.Mutex
	size  int
	tick  uint64
	sets  map[setKey]*entry[*Set]
	bases map[string]*entry[[]byte]
}

type setKey struct {
	round string
	level geo.Level
}

type entry[T any] struct {
	ready chan struct{}
	val   T
	err   error
	used  uint64
}

func newCache(size int) *cache {
	return &cache{size: size, sets: map[setKey]*entry[*Set]{}, bases: map[string]*entry[[]byte]{}}
}

// get returns the value of key k, computing it when absent.
// A failed computation is not kept.
func get[K comparable, T any](c *cache, m map[K]*entry[T], k K, compute func() (T, error)) (T, error) {
	c.mu.Lock()
	c.tick++
	e, ok := m[k]
	if !ok {
		e = &entry[T]{ready: make(chan struct{})}
		m[k] = e
		evict(m, c.size, k)
	}
	e.used = c.tick
	c.mu.Unlock()
	if !ok {
		e.val, e.err = compute()
		close(e.ready)
		if e.err != nil {
			c.mu.Lock()
			if m[k] == e {
				delete(m, k)
			}
			c.mu.Unlock()
		}
	}
	<-e.ready
	return e.val, e.err
}

// evict drops the least recently used finished entries (never keep) until
// the map holds at most size entries.
func evict[K comparable, T any](m map[K]*entry[T], size int, keep K) {
	for len(m) > size {
		var oldest K
		var found bool
		var at uint64
		for k, e := range m {
			select {
			case <-e.ready:
			default:
				continue // still being computed
			}
			if k != keep && (!found || e.used < at) {
				oldest, at, found = k, e.used, true
			}
		}
		if !found {
			return
		}
		delete(m, oldest)
	}
}

func (c *cache) set(id string, l geo.Level, derive func() (*Set, error)) (*Set, error) {
	return get(c, c.sets, setKey{id, l}, derive)
}

func (c *cache) base(id string, rd *RoundData) []byte {
	b, _ := get(c, c.bases, id, func() ([]byte, error) { return baseLayers(rd), nil })
	return b
}

// baseLayers renders the base layers of a round as one JSON object:
// {"wards": FeatureCollection of code and name, "boundary": ..., "rivers":
// ..., "roads": ...}, null where absent.
func baseLayers(rd *RoundData) []byte {
	var b bytes.Buffer
	b.WriteString(`{"wards":{"type":"FeatureCollection","features":[`)
	wards := slices.Clone(rd.Wards)
	slices.SortFunc(wards, func(a, b geo.Ward) int { return cmp.Compare(a.Code, b.Code) })
	for i, w := range wards {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n" + `{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":`)
		writeMultiPolygon(&b, w.Shape)
		b.WriteString(`},"properties":{"code":`)
		writeJSON(&b, w.Code)
		b.WriteString(`,"name":`)
		writeJSON(&b, w.Name)
		b.WriteString("}}")
	}
	b.WriteString("]},\n" + `"boundary":`)
	if len(rd.Boundary) > 0 {
		b.WriteString(`{"type":"Feature","properties":{},"geometry":{"type":"MultiPolygon","coordinates":`)
		writeMultiPolygon(&b, orb.MultiPolygon(rd.Boundary))
		b.WriteString("}}")
	} else {
		b.WriteString("null")
	}
	for _, l := range []struct {
		name string
		data []byte
	}{{"rivers", rd.Rivers}, {"roads", rd.Roads}} {
		b.WriteString(",\n\"" + l.name + `":`)
		if len(l.data) > 0 && json.Valid(l.data) {
			b.Write(bytes.TrimSpace(l.data))
		} else {
			b.WriteString("null")
		}
	}
	b.WriteString("}\n")
	return b.Bytes()
}
