package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// Verification is the outcome of Verify.
type Verification struct {
	Entries int64 // audit entries read
	Head    Head  // the last entry read
	// FirstBroken is the seq of the first entry whose sequence number,
	// link (prev_hash) or hash is wrong; 0 when the chain holds.
	FirstBroken int64
	Problems    []string // what is wrong, one line each, the chain's first
	Blobs       int      // stored files whose bytes match their SHA-256
	Objects     int      // datasets and rounds whose files match their audit entry
}

// OK reports whether the chain holds and every stored fact matches it.
func (v *Verification) OK() bool { return v.FirstBroken == 0 && len(v.Problems) == 0 }

// Verify checks the audit chain from its first entry (sequence numbers
// without gaps, each prev_hash equal to the previous hash, each hash
// recomputed from the entry), then that every stored file's bytes match
// its SHA-256, and that every dataset, round, publication and approval
// matches the audit entry that recorded it. An error means the store could
// not be read; a broken chain is reported in the Verification.
func (s *Store) Verify(ctx context.Context) (*Verification, error) {
	v := &Verification{Head: Head{Hash: GenesisHash}}
	rec, err := s.verifyChain(ctx, v)
	if err != nil {
		return nil, err
	}
	if err := s.verifyBlobs(ctx, v); err != nil {
		return nil, err
	}
	if err := s.verifyObjects(ctx, v, rec); err != nil {
		return nil, err
	}
	return v, nil
}

// recorded is what the audit log says was stored.
type recorded struct {
	files        map[string]map[string]string // object -> file name -> SHA-256
	publications int                          // levels published, over all entries
	approvals    int
}

func (s *Store) verifyChain(ctx context.Context, v *Verification) (*recorded, error) {
	rec := &recorded{files: map[string]map[string]string{}}
	rows, err := s.db.QueryContext(ctx, `SELECT seq, at, role, subject, action, object, details, prev_hash, hash FROM audit ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("store: audit: %w", err)
	}
	defer rows.Close()
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
		v.Entries++
		v.Head = Head{Seq: e.Seq, Hash: e.Hash}
		rec.add(&e, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: audit: %w", err)
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
	switch e.Action {
	case "dataset.upload", "round.run":
		var d fileDetails
		if err := json.Unmarshal([]byte(e.Details), &d); err != nil {
			v.Problems = append(v.Problems, fmt.Sprintf("audit entry %d: details: %v", e.Seq, err))
			return
		}
		r.files[e.Object] = d.Files
	case "round.publish":
		var d struct{ Levels []string }
		if err := json.Unmarshal([]byte(e.Details), &d); err != nil {
			v.Problems = append(v.Problems, fmt.Sprintf("audit entry %d: details: %v", e.Seq, err))
			return
		}
		r.publications += len(d.Levels)
	case "round.approve":
		r.approvals++
	}
}

func (s *Store) verifyBlobs(ctx context.Context, v *Verification) error {
	rows, err := s.db.QueryContext(ctx, `SELECT sha256, size, data FROM blobs ORDER BY sha256`)
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
	check := func(id string, files []File) {
		seen[id] = true
		want, ok := rec.files[id]
		switch {
		case !ok:
			v.Problems = append(v.Problems, fmt.Sprintf("%s: no audit entry records it", id))
		case !maps.Equal(want, hashes(files)):
			v.Problems = append(v.Problems, fmt.Sprintf("%s: its files differ from those its audit entry records", id))
		default:
			v.Objects++
		}
	}
	for _, d := range datasets {
		check(d.ID, d.Files)
	}
	for _, r := range rounds {
		check(r.ID, r.Files)
	}
	for _, id := range slices.Sorted(maps.Keys(rec.files)) {
		if !seen[id] {
			v.Problems = append(v.Problems, fmt.Sprintf("%s: recorded in the audit log but missing from the store", id))
		}
	}
	return s.verifyCounts(ctx, v, rec)
}

// verifyCounts checks that publications and approvals were all made
// through the audited path.
func (s *Store) verifyCounts(ctx context.Context, v *Verification, rec *recorded) error {
	for _, c := range []struct {
		table string
		want  int
	}{{"publications", rec.publications}, {"approvals", rec.approvals}} {
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+c.table).Scan(&n); err != nil {
			return fmt.Errorf("store: %s: %w", c.table, err)
		}
		if n != c.want {
			v.Problems = append(v.Problems, fmt.Sprintf("%s: %d rows, the audit log records %s", c.table, n, strconv.Itoa(c.want)))
		}
	}
	return nil
}
