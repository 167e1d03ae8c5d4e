package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// GenesisHash is the prev_hash of the first audit entry: 64 zeros.
var GenesisHash = strings.Repeat("0", 64)

// Entry is one audit log entry: one change, who made it, and the link to
// the entry before it.
type Entry struct {
	Seq      int64     // 1, 2, 3, ... without gaps
	Time     time.Time // UTC
	Role     string    // the actor's role
	Subject  string    // the actor's credential label
	Action   string    // e.g. "dataset.upload"
	Object   string    // e.g. "d1", "r3"
	Details  string    // a JSON object
	PrevHash string    // the previous entry's Hash, or GenesisHash
	Hash     string    // lower-case hex SHA-256 of Canonical()
	At       string    // Time as recorded, RFC 3339 text: the hash covers this text
}

// Head identifies the last entry of the log; Seq 0 and GenesisHash for an
// empty log.
type Head struct {
	Seq  int64
	Hash string
}

// ParseHead reads a head written as SEQ:HASH (as `catchment audit verify`
// prints it and takes it back with --expect-head).
func ParseHead(s string) (Head, error) {
	seq, hash, ok := strings.Cut(s, ":")
	n, err := strconv.ParseInt(seq, 10, 64)
	if !ok || err != nil || n < 1 || !IsHash(hash) {
		return Head{}, fmt.Errorf("store: head %q: want SEQ:HASH, a sequence number of at least 1 and 64 lower-case hex digits", s)
	}
	return Head{Seq: n, Hash: hash}, nil
}

// String returns the head as SEQ:HASH.
func (h Head) String() string { return strconv.FormatInt(h.Seq, 10) + ":" + h.Hash }

// IsHash reports whether s is a SHA-256 in lower-case hex.
func IsHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Canonical returns the bytes the entry's hash covers: each of seq
// (decimal), time (RFC 3339, UTC, as recorded), role, subject, action,
// object, details and prev_hash as a netstring "<length>:<bytes>,", in
// that order, lengths in bytes. Anyone can recompute it from the table.
func (e *Entry) Canonical() []byte {
	var b []byte
	for _, f := range []string{strconv.FormatInt(e.Seq, 10), e.At, e.Role, e.Subject, e.Action, e.Object, e.Details, e.PrevHash} {
		b = strconv.AppendInt(b, int64(len(f)), 10)
		b = append(b, ':')
		b = append(b, f...)
		b = append(b, ',')
	}
	return b
}

// ComputeHash returns the lower-case hex SHA-256 of Canonical().
func (e *Entry) ComputeHash() string {
	sum := sha256.Sum256(e.Canonical())
	return hex.EncodeToString(sum[:])
}

// change is the audit record of a change, made inside the change's
// transaction.
type change struct {
	actor   Actor
	action  string
	object  string
	details any // marshalled to a JSON object
}

// appendAudit adds the change to the log inside tx and returns its entry.
func (s *Store) appendAudit(ctx context.Context, tx *sql.Tx, c change) (*Entry, error) {
	details, err := json.Marshal(c.details)
	if err != nil {
		return nil, fmt.Errorf("store: audit details: %w", err)
	}
	head, err := headOf(ctx, tx)
	if err != nil {
		return nil, err
	}
	e := &Entry{Seq: head.Seq + 1, Time: s.now(), Role: c.actor.Role, Subject: c.actor.Subject,
		Action: c.action, Object: c.object, Details: string(details), PrevHash: head.Hash}
	e.At = stamp(e.Time)
	e.Hash = e.ComputeHash()
	_, err = tx.ExecContext(ctx, `INSERT INTO audit(seq, at, role, subject, action, object, details, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.Seq, e.At, e.Role, e.Subject, e.Action, e.Object, e.Details, e.PrevHash, e.Hash)
	if err != nil {
		return nil, fmt.Errorf("store: audit: %w", err)
	}
	return e, nil
}

// querier is what reads need: a *sql.DB or a *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func headOf(ctx context.Context, q querier) (Head, error) {
	h := Head{Hash: GenesisHash}
	err := q.QueryRowContext(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&h.Seq, &h.Hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Head{}, fmt.Errorf("store: audit head: %w", err)
	}
	return h, nil
}

// AuditHead returns the last entry of the log.
func (s *Store) AuditHead(ctx context.Context) (Head, error) { return headOf(ctx, s.db) }

// MaxEntriesPerPage is the most entries AuditEntries returns at once.
const MaxEntriesPerPage = 1000

// AuditEntries returns up to limit entries with seq > after, in order;
// limit <= 0 or above MaxEntriesPerPage means MaxEntriesPerPage.
func (s *Store) AuditEntries(ctx context.Context, after int64, limit int) ([]Entry, error) {
	if limit <= 0 || limit > MaxEntriesPerPage {
		limit = MaxEntriesPerPage
	}
	rows, err := s.reader().QueryContext(ctx, `SELECT seq, at, role, subject, action, object, details, prev_hash, hash
		FROM audit WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: audit: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: audit: %w", err)
	}
	return out, nil
}

func scanEntry(rows *sql.Rows) (Entry, error) {
	var e Entry
	if err := rows.Scan(&e.Seq, &e.At, &e.Role, &e.Subject, &e.Action, &e.Object, &e.Details, &e.PrevHash, &e.Hash); err != nil {
		return Entry{}, fmt.Errorf("store: audit: %w", err)
	}
	e.Time = parseStamp(e.At)
	return e, nil
}
