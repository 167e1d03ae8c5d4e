package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Verification is the outcome of Verify.
type Verification struct {
	Entries int64 // audit entries read
	Head    Head  // the last entry read
	// FirstBroken is the seq of the first entry whose sequence number,
	// link (prev_hash) or hash is wrong, or the seq of the expected head
	// when the log does not hold it; 0 when the chain holds.
	FirstBroken int64
	Problems    []string // what is wrong, one line each, the chain's first
	Blobs       int      // stored files whose bytes match their SHA-256
	Objects     int      // datasets and rounds that match their audit entry
	Facts       int      // publications and approvals that match their audit entry
}

// OK reports whether the chain holds and every stored fact matches it.
func (v *Verification) OK() bool { return v.FirstBroken == 0 && len(v.Problems) == 0 }

// Verify checks the audit chain from its first entry (sequence numbers
// without gaps, each prev_hash equal to the previous hash, each hash
// recomputed from the entry), then that every stored file's bytes match
// its SHA-256, and that every dataset, round, publication and approval is
// the one its audit entry records, field by field (times aside), in the
// log's order. It reads one state of the file (a read transaction), so a
// change made meanwhile by a running server is not mistaken for a
// mismatch.
//
// A chain cut back at its end, or rewritten from some entry on, is
// consistent in itself; only a head kept outside the store shows it. When
// expect is not nil, the log must hold the entry expect.Seq with the hash
// expect.Hash (later entries may follow). An error means the store could
// not be read; a broken chain is reported in the Verification.
func (s *Store) Verify(ctx context.Context, expect *Head) (*Verification, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: verify: %w", err)
	}
	defer conn.Close()
	// A deferred transaction: in WAL mode its first read fixes the
	// snapshot, and it never blocks the writer.
	if _, err := conn.ExecContext(ctx, `BEGIN DEFERRED`); err != nil {
		return nil, fmt.Errorf("store: verify: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
	snap := &Store{db: s.db, snap: conn, now: s.now}

	v := &Verification{Head: Head{Hash: GenesisHash}}
	rec, err := snap.verifyChain(ctx, v, expect)
	if err != nil {
		return nil, err
	}
	if err := snap.verifyBlobs(ctx, v); err != nil {
		return nil, err
	}
	if err := snap.verifyObjects(ctx, v, rec); err != nil {
		return nil, err
	}
	if err := snap.verifyFacts(ctx, v, rec); err != nil {
		return nil, err
	}
	return v, nil
}

// recorded is what the audit log says was stored.
type recorded struct {
	objects      map[string]object // dataset or round id -> what its entry records
	publications []publication     // in log order
	approvals    []approval        // in log order
}

// object is a dataset or round as its audit entry records it, in the
// order fields are compared.
type object struct {
	fields []string // name=value pairs
	files  map[string]string
}

type publication struct{ level, round, by string }

type approval struct{ round, ward, level, role, by, note, digest string }

func (s *Store) verifyChain(ctx context.Context, v *Verification, expect *Head) (*recorded, error) {
	rec := &recorded{objects: map[string]object{}}
	rows, err := s.reader().QueryContext(ctx, `SELECT seq, at, role, subject, action, object, details, prev_hash, hash FROM audit ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("store: audit: %w", err)
	}
	defer rows.Close()
	expected := false
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		if v.FirstBroken == 0 {
			if why := brokenLink(&e, v.Head); why != "" {
				v.FirstBroken = e.Seq
				v.Problems = append(v.Problems, fmt.Sprintf("audit entry %d: %s", e.Seq, why))
			}
		}
		if expect != nil && e.Seq == expect.Seq {
			expected = true
			if e.Hash != expect.Hash && v.FirstBroken == 0 {
				v.FirstBroken = e.Seq
				v.Problems = append(v.Problems, fmt.Sprintf("audit entry %d: hash %s, the head kept outside the store says %s: the log was rewritten from here or earlier", e.Seq, e.Hash, expect.Hash))
			}
		}
		v.Entries++
		v.Head = Head{Seq: e.Seq, Hash: e.Hash}
		rec.add(&e, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: audit: %w", err)
	}
	if expect != nil && !expected && expect.Seq > 0 && v.FirstBroken == 0 {
		v.FirstBroken = expect.Seq
		v.Problems = append(v.Problems, fmt.Sprintf("audit entry %d: missing, but the head kept outside the store names it: the log was cut back to entry %d", expect.Seq, v.Head.Seq))
	}
	return rec, nil
}

// brokenLink says what is wrong with e following prev, or "".
func brokenLink(e *Entry, prev Head) string {
	switch {
	case e.Seq != prev.Seq+1:
		return fmt.Sprintf("follows entry %d: an entry is missing or out of order", prev.Seq)
	case e.PrevHash != prev.Hash:
		return fmt.Sprintf("prev_hash %s does not match the previous entry's hash %s", e.PrevHash, prev.Hash)
	case e.ComputeHash() != e.Hash:
		return "hash does not match the entry's content: the entry was changed"
	}
	return ""
}

func (r *recorded) add(e *Entry, v *Verification) {
	bad := func(err error) {
		v.Problems = append(v.Problems, fmt.Sprintf("audit entry %d: details: %v", e.Seq, err))
	}
	switch e.Action {
	case "dataset.upload":
		var d fileDetails
		if err := json.Unmarshal([]byte(e.Details), &d); err != nil {
			bad(err)
			return
		}
		r.objects[e.Object] = object{fields: []string{"label=" + d.Label, "created_by=" + e.Subject}, files: d.Files}
	case "round.run":
		var d roundDetails
		if err := json.Unmarshal([]byte(e.Details), &d); err != nil {
			bad(err)
			return
		}
		r.objects[e.Object] = object{fields: roundFields(d.Dataset, d.Year, d.Seed, d.Mode, d.Levels, d.Engine, e.Subject), files: d.Files}
	case "round.publish":
		var d struct{ Levels []string }
		if err := json.Unmarshal([]byte(e.Details), &d); err != nil {
			bad(err)
			return
		}
		for _, l := range d.Levels {
			r.publications = append(r.publications, publication{l, e.Object, e.Subject})
		}
	case "round.approve":
		var d struct{ Ward, Level, Note, Digest string }
		if err := json.Unmarshal([]byte(e.Details), &d); err != nil {
			bad(err)
			return
		}
		r.approvals = append(r.approvals, approval{e.Object, d.Ward, d.Level, e.Role, e.Subject, d.Note, d.Digest})
	}
}

// roundFields lists the fields of a round that its audit entry records.
func roundFields(dataset string, year int, seed, mode string, levels []string, engine, by string) []string {
	return []string{"dataset=" + dataset, "year=" + strconv.Itoa(year), "seed=" + strconv.Quote(seed), "mode=" + mode,
		"levels=" + strings.Join(levels, ","), "engine=" + engine, "created_by=" + by}
}

func (s *Store) verifyBlobs(ctx context.Context, v *Verification) error {
	rows, err := s.reader().QueryContext(ctx, `SELECT sha256, size, data FROM blobs ORDER BY sha256`)
	if err != nil {
		return fmt.Errorf("store: blobs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sha string
		var size int64
		var data sql.RawBytes
		if err := rows.Scan(&sha, &size, &data); err != nil {
			return fmt.Errorf("store: blobs: %w", err)
		}
		if got := SHA256Hex(data); got != sha || int64(len(data)) != size {
			v.Problems = append(v.Problems, fmt.Sprintf("stored file %s: its bytes have SHA-256 %s (%d bytes): the file was changed", sha, got, len(data)))
			continue
		}
		v.Blobs++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: blobs: %w", err)
	}
	return nil
}

func (s *Store) verifyObjects(ctx context.Context, v *Verification, rec *recorded) error {
	datasets, err := s.Datasets(ctx)
	if err != nil {
		return err
	}
	rounds, err := s.Rounds(ctx)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	check := func(id string, got object) {
		seen[id] = true
		want, ok := rec.objects[id]
		if !ok {
			v.Problems = append(v.Problems, fmt.Sprintf("%s: no audit entry records it", id))
			return
		}
		if !maps.Equal(want.files, got.files) {
			v.Problems = append(v.Problems, fmt.Sprintf("%s: its files differ from those its audit entry records", id))
			return
		}
		for i, f := range got.fields {
			if f != want.fields[i] {
				v.Problems = append(v.Problems, fmt.Sprintf("%s: %s, its audit entry records %s", id, f, want.fields[i]))
				return
			}
		}
		v.Objects++
	}
	for _, d := range datasets {
		check(d.ID, object{fields: []string{"label=" + d.Label, "created_by=" + d.CreatedBy}, files: hashes(d.Files)})
	}
	for _, r := range rounds {
		check(r.ID, object{fields: roundFields(r.DatasetID, r.Year, r.Seed, r.Mode, r.Levels, r.Engine, r.CreatedBy), files: hashes(r.Files)})
	}
	for _, id := range slices.Sorted(maps.Keys(rec.objects)) {
		if !seen[id] {
			v.Problems = append(v.Problems, fmt.Sprintf("%s: recorded in the audit log but missing from the store", id))
		}
	}
	return nil
}

// verifyFacts checks that the publications and approvals are, row by row
// and in order, those the audit log records: each was made through the
// audited path and none was changed since.
func (s *Store) verifyFacts(ctx context.Context, v *Verification, rec *recorded) error {
	var pubs []publication
	err := s.scanRows(ctx, `SELECT level, 'r' || round_seq, published_by FROM publications ORDER BY seq`, func(rows *sql.Rows) error {
		var p publication
		err := rows.Scan(&p.level, &p.round, &p.by)
		pubs = append(pubs, p)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: publications: %w", err)
	}
	var apps []approval
	err = s.scanRows(ctx, `SELECT 'r' || round_seq, ward, level, role, approved_by, note, digest FROM approvals ORDER BY seq`, func(rows *sql.Rows) error {
		var a approval
		err := rows.Scan(&a.round, &a.ward, &a.level, &a.role, &a.by, &a.note, &a.digest)
		apps = append(apps, a)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: approvals: %w", err)
	}
	v.Facts += compareFacts(v, "publications", pubs, rec.publications)
	v.Facts += compareFacts(v, "approvals", apps, rec.approvals)
	return nil
}

// compareFacts reports the first row of table that differs from the log,
// or a difference in the number of rows, and returns how many matched.
func compareFacts[T comparable](v *Verification, table string, got, want []T) int {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			v.Problems = append(v.Problems, fmt.Sprintf("%s: row %d is %+v, the audit log records %+v", table, i+1, got[i], want[i]))
			return i
		}
	}
	if len(got) != len(want) {
		v.Problems = append(v.Problems, fmt.Sprintf("%s: %d rows, the audit log records %d", table, len(got), len(want)))
	}
	return min(len(got), len(want))
}

// scanRows runs a query and calls scan for each row.
func (s *Store) scanRows(ctx context.Context, query string, scan func(*sql.Rows) error) error {
	rows, err := s.reader().QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
