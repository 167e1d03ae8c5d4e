package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"
)

// Published returns the published round of each level that has one, by
// level code.
func (s *Store) Published(ctx context.Context) (map[string]string, error) {
	rows, err := s.reader().QueryContext(ctx, `SELECT p.level, p.round_seq FROM publications p
		WHERE p.seq = (SELECT MAX(q.seq) FROM publications q WHERE q.level = p.level)`)
	if err != nil {
		return nil, fmt.Errorf("store: publications: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var level string
		var seq int64
		if err := rows.Scan(&level, &seq); err != nil {
			return nil, fmt.Errorf("store: publications: %w", err)
		}
		out[level] = "r" + strconv.FormatInt(seq, 10)
	}
	return out, rows.Err()
}

// Publish makes the round the published round of each of its levels and
// appends a "round.publish" audit entry naming the levels that changed. It
// returns those levels (none when the round already was the published
// round of every level: nothing is written then) and the log's head.
func (s *Store) Publish(ctx context.Context, a Actor, id string) ([]string, Head, error) {
	r, err := s.Round(ctx, id)
	if err != nil {
		return nil, Head{}, err
	}
	seq, _ := parseID(id, "r")
	var changed []string
	var head Head
	err = s.write(ctx, func(tx *sql.Tx) error {
		changed = nil
		for _, l := range r.Levels {
			var cur sql.NullInt64
			if err := tx.QueryRowContext(ctx, `SELECT round_seq FROM publications WHERE level = ? ORDER BY seq DESC LIMIT 1`, l).Scan(&cur); err != nil && err != sql.ErrNoRows {
				return fmt.Errorf("store: publish: %w", err)
			}
			if cur.Valid && cur.Int64 == seq {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO publications(level, round_seq, published_at, published_by) VALUES (?, ?, ?, ?)`,
				l, seq, stamp(s.now()), a.Subject); err != nil {
				return fmt.Errorf("store: publish: %w", err)
			}
			changed = append(changed, l)
		}
		if len(changed) > 0 {
			e, err := s.appendAudit(ctx, tx, change{a, "round.publish", id, map[string]any{"levels": changed, "manifest_sha256": r.ManifestSHA256()}})
			if err != nil {
				return err
			}
			head = Head{Seq: e.Seq, Hash: e.Hash}
			return nil
		}
		h, err := headOf(ctx, tx)
		head = h
		return err
	})
	return changed, head, err
}

// Approval is a ward's recorded approval of a round's catchments for one
// level.
type Approval struct {
	RoundID string
	Ward    string // ward or commune code
	Level   string // level code
	Role    string // the approver's role
	By      string // the approver's credential label
	Note    string
	// Digest is the SHA-256 (hex) of what the official reviewed (the map
	// page's catchments), or "".
	Digest string
	At     time.Time
}

// Approve records an approval (an approval is never withdrawn or edited; a
// later one is added beside it) and appends a "round.approve" audit entry.
func (s *Store) Approve(ctx context.Context, a Actor, ap Approval) (*Approval, error) {
	seq, err := parseID(ap.RoundID, "r")
	if err != nil {
		return nil, err
	}
	if _, err := s.Round(ctx, ap.RoundID); err != nil {
		return nil, err
	}
	ap.Role, ap.By, ap.At = a.Role, a.Subject, s.now()
	err = s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO approvals(round_seq, ward, level, role, approved_by, note, digest, approved_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, seq, ap.Ward, ap.Level, ap.Role, ap.By, ap.Note, ap.Digest, stamp(ap.At)); err != nil {
			return fmt.Errorf("store: approve: %w", err)
		}
		_, err := s.appendAudit(ctx, tx, change{a, "round.approve", ap.RoundID,
			map[string]string{"ward": ap.Ward, "level": ap.Level, "note": ap.Note, "digest": ap.Digest}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ap, nil
}

// Approvals returns a round's approvals, oldest first.
func (s *Store) Approvals(ctx context.Context, roundID string) ([]Approval, error) {
	seq, err := parseID(roundID, "r")
	if err != nil {
		return nil, err
	}
	rows, err := s.reader().QueryContext(ctx, `SELECT ward, level, role, approved_by, note, digest, approved_at FROM approvals
		WHERE round_seq = ? ORDER BY seq`, seq)
	if err != nil {
		return nil, fmt.Errorf("store: approvals: %w", err)
	}
	defer rows.Close()
	var out []Approval
	for rows.Next() {
		ap := Approval{RoundID: roundID}
		var at string
		if err := rows.Scan(&ap.Ward, &ap.Level, &ap.Role, &ap.By, &ap.Note, &ap.Digest, &at); err != nil {
			return nil, fmt.Errorf("store: approvals: %w", err)
		}
		ap.At = parseStamp(at)
		out = append(out, ap)
	}
	return out, rows.Err()
}
