// Package store keeps the server's state in one SQLite file: datasets and
// round outputs by SHA-256, publications, ward approvals, and an
// append-only, hash-chained audit log of every change. Each change and its
// audit entry are written in one transaction, so the log cannot miss a
// change and a crash leaves either both or neither.
//
// The store holds no admissions logic: it stores bytes and facts the
// server hands it. It is safe for concurrent use by one process; other
// processes may read the file (catchment audit verify) while it is open.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// Errors the store returns; callers test them with errors.Is.
var (
	// ErrNotFound: no dataset, round or file with that id or name.
	ErrNotFound = errors.New("store: not found")
	// ErrSchema: the file is not a catchment store this build can read
	// (made by a newer version, or missing its tables when opened
	// read-only).
	ErrSchema = errors.New("store: unsupported schema")
)

// Actor is who makes a change, as the audit log records it.
type Actor struct {
	Role    string // "office", "ward:<code>" or "auditor"
	Subject string // a non-secret label of the credential, never the credential
}

// Store is an open store file.
type Store struct {
	db *sql.DB
	// snap, when set, answers every read: the one connection of a read
	// transaction, so that a check sees one state of the file (see Verify).
	snap *sql.Conn
	// mu serialises writers inside this process; SQLite serialises
	// processes (every transaction begins IMMEDIATE).
	mu  sync.Mutex
	now func() time.Time
}

// Open opens the store at path, creating the file if needed and applying
// any pending schema migrations. It fails with ErrSchema when the file was
// written by a newer schema.
func Open(ctx context.Context, path string) (*Store, error) {
	s, err := open(path, false)
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// OpenReadOnly opens an existing store for reading only, without
// migrating it. It fails with ErrSchema when the schema is not the one
// this build writes.
func OpenReadOnly(ctx context.Context, path string) (*Store, error) {
	s, err := open(path, true)
	if err != nil {
		return nil, err
	}
	if err := s.checkSchema(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

func open(path string, readOnly bool) (*Store, error) {
	q := url.Values{}
	q.Set("_txlock", "immediate")
	q.Set("_busy_timeout", "10000")
	q.Set("_foreign_keys", "1")
	q.Set("_synchronous", "FULL")
	if readOnly {
		q.Set("mode", "ro")
		q.Set("_query_only", "1")
	} else {
		q.Set("_journal_mode", "WAL")
		q.Add("_pragma", "page_size(65536)") // large pages for large files; takes effect in a new file only
	}
	dsn := (&url.URL{Scheme: "file", Opaque: url.PathEscape(path), RawQuery: q.Encode()}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return &Store{db: db, now: func() time.Time { return time.Now().UTC() }}, nil
}

// reader returns what reads go through: the snapshot, else the pool.
func (s *Store) reader() querier {
	if s.snap != nil {
		return s.snap
	}
	return s.db
}

// Close closes the store file.
func (s *Store) Close() error { return s.db.Close() }

// SetClock replaces the clock that stamps records and audit entries (UTC is
// applied); for tests.
func (s *Store) SetClock(now func() time.Time) { s.now = func() time.Time { return now().UTC() } }

// write runs fn in one IMMEDIATE transaction and commits it; on any error
// nothing is written.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// stamp formats a time as the store records it: RFC 3339, UTC, nanoseconds
// without trailing zeros.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// parseStamp reads a stamp; a malformed one gives the zero time.
func parseStamp(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}
