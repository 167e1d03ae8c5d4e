package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

// migrations holds the schema, one file per version: NNNN_name.sql. A
// released file is never edited; a change is a new file.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migration is one schema version.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations returns the embedded migrations in version order.
func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("store: migration %s: name must start with a version number", e.Name())
		}
		body, err := migrations.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(body)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	return out, nil
}

// SchemaVersion returns the newest schema version this build writes.
func SchemaVersion() int {
	ms, err := loadMigrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// migrate applies every migration newer than the file's version, each in
// its own IMMEDIATE transaction together with its schema_migrations row.
// The version is read inside that transaction, so processes opening the
// same file at once apply each migration once.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	for done := false; !done; {
		err := s.write(ctx, func(tx *sql.Tx) error {
			m, err := nextMigration(ctx, tx, ms)
			if err != nil || m == nil {
				done = true
				return err
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("store: migration %s: %w", m.name, err)
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, stamp(s.now()))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// nextMigration returns the first migration newer than the file's
// version, or nil when the file is current.
func nextMigration(ctx context.Context, tx *sql.Tx, ms []migration) (*migration, error) {
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	current, err := version(ctx, tx)
	if err != nil {
		return nil, err
	}
	if latest := ms[len(ms)-1].version; current > latest {
		return nil, fmt.Errorf("%w: schema version %d is newer than this build's %d", ErrSchema, current, latest)
	}
	for i := range ms {
		if ms[i].version > current {
			return &ms[i], nil
		}
	}
	return nil, nil
}

// version returns the file's schema version, 0 for a new file.
func version(ctx context.Context, q querier) (int, error) {
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrSchema, err)
	}
	return int(v.Int64), nil
}

// checkSchema fails with ErrSchema unless the file is at this build's
// schema version.
func (s *Store) checkSchema(ctx context.Context) error {
	v, err := version(ctx, s.reader())
	if err != nil {
		return err
	}
	if want := SchemaVersion(); v != want {
		return fmt.Errorf("%w: schema version %d, this build reads %d", ErrSchema, v, want)
	}
	return nil
}
