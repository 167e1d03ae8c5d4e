package allocator

import (
	"context"
	"slices"
)

// prio is an applicant's priority at one school: the policy's keys packed,
// in policy order, into a 128-bit big-endian number (hi, lo), then the
// applicant's position (id order) as the last tie break. Lower ranks first.
// Fields are wide enough for every valid policy: see keyBits.
type prio struct {
	hi, lo uint64
	app    int32 // market applicant
}

// keyBits is the width of each key in a packed prio: up to 255 priority
// groups, three yes/no keys, distances below 2^20 m (the policy caps them at
// 100 km) and the 64-bit lottery: 95 bits in all.
func keyBits(k Key) uint {
	switch k {
	case KeyPriority:
		return 8
	case KeyDistance:
		return 20
	case KeyLottery:
		return 64
	}
	return 1
}

func (m *market) priority(ai int32, school int32, distM int32) prio {
	c := &m.apps[ai]
	p := prio{app: ai}
	for _, key := range m.pol.PriorityOrder {
		w := keyBits(key)
		v := m.keyValue(c, key, school, distM)
		if w == 64 {
			p.hi, p.lo = p.lo, v
			continue
		}
		p.hi = p.hi<<w | p.lo>>(64-w)
		p.lo = p.lo<<w | v
	}
	return p
}

// keyValue returns one key of an applicant at a school; lower ranks first.
func (m *market) keyValue(c *candidateApp, key Key, school, distM int32) uint64 {
	switch key {
	case KeyPriority:
		return uint64(c.group)
	case KeyInCatchment:
		return boolKey(!slices.Contains(c.inCatch, school))
	case KeyFeeder:
		return boolKey(!m.feeder[school][c.primary])
	case KeyResidence:
		return boolKey(c.temp)
	case KeyDistance:
		return uint64(distM)
	case KeyLottery:
		return c.lottery
	}
	return 0
}

func boolKey(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// before reports whether a ranks strictly before b.
func (a prio) before(b prio) bool {
	if a.hi != b.hi {
		return a.hi < b.hi
	}
	if a.lo != b.lo {
		return a.lo < b.lo
	}
	return a.app < b.app
}

// held is the set of applicants a school holds during deferred acceptance:
// a binary heap with the last-ranked applicant on top.
type held []prio

func (h held) worst() prio { return h[0] }

func (h *held) push(p prio) {
	*h = append(*h, p)
	s := *h
	for i := len(s) - 1; i > 0; {
		parent := (i - 1) / 2
		if !s[parent].before(s[i]) {
			break
		}
		s[parent], s[i] = s[i], s[parent]
		i = parent
	}
}

func (h *held) pop() prio {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	for i := 0; ; {
		w, l, r := i, 2*i+1, 2*i+2
		if l < len(s) && s[w].before(s[l]) {
			w = l
		}
		if r < len(s) && s[w].before(s[r]) {
			w = r
		}
		if w == i {
			break
		}
		s[i], s[w] = s[w], s[i]
		i = w
	}
	*h = s
	return top
}

// stageResult is the outcome of one deferred-acceptance stage.
type stageResult struct {
	held []held // per local school: the admitted applicants
}

// deferredAcceptance runs applicant-proposing deferred acceptance for the
// given market applicants with the given seats per school. Each applicant
// proposes down its list; a school holds the best applicants up to its seats
// and rejects the rest. With strict priorities the outcome is the
// applicant-optimal stable matching, whatever the order of proposals.
// On return pos holds, per market applicant, the list position of the school
// holding it, or len(list) when every school on its list rejected it.
func (m *market) deferredAcceptance(ctx context.Context, apps []int32, seats []int32, pos []int32) (stageResult, error) {
	res := stageResult{held: make([]held, len(seats))}
	free := slices.Clone(apps)
	slices.Reverse(free) // pop from the end: lowest id proposes first
	for _, a := range apps {
		pos[a] = -1
	}
	steps := 0
	for len(free) > 0 {
		if steps++; steps&0xffff == 0 && ctx.Err() != nil {
			return res, ctx.Err()
		}
		a := free[len(free)-1]
		free = free[:len(free)-1]
		c := &m.apps[a]
		i := pos[a] + 1
		for int(i) == len(c.list) && m.extend(c) {
		}
		if int(i) >= len(c.list) {
			pos[a] = int32(len(c.list)) // exhausted
			c.listed, c.list = int32(len(c.list)), nil
			continue
		}
		pos[a] = i
		s := c.list[i].school
		if seats[s] == 0 {
			free = append(free, a)
			continue
		}
		h := &res.held[s]
		p := m.priority(a, s, c.list[i].distM)
		switch {
		case int32(len(*h)) < seats[s]:
			h.push(p)
		case p.before(h.worst()):
			h.push(p)
			free = append(free, h.pop().app)
		default: // full, and a ranks after everyone held: rejected at once
			free = append(free, a)
		}
	}
	return res, nil
}
