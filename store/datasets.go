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

// File describes one stored file by its SHA-256.
type File struct {
	Role   string // a dataset file's role, e.g. "schools"; "" for round outputs
	Name   string // e.g. "schools.geojson", "assignments.csv"
	SHA256 string // lower-case hex
	Size   int64  // bytes
}

// FileData is a file to store.
type FileData struct {
	Role string // dataset files only
	Name string
	Data []byte
}

// SHA256Hex returns the lower-case hex SHA-256 of b, the form the store
// records.
func SHA256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Dataset is one stored dataset.
type Dataset struct {
	ID        string // "d" and a sequence number, e.g. "d3"
	Label     string
	Created   time.Time
	CreatedBy string
	Files     []File          // in the order they were given
	Stats     json.RawMessage // counts written by the server, a JSON object
}

// NewDataset is a validated dataset to store.
type NewDataset struct {
	Label string
	Files []FileData // one per role
	Stats json.RawMessage
}

// CreateDataset stores the files (deduplicated by SHA-256) and the dataset
// and appends a "dataset.upload" audit entry naming every file's hash, in
// one transaction.
func (s *Store) CreateDataset(ctx context.Context, a Actor, nd NewDataset) (*Dataset, error) {
	ds := &Dataset{Label: nd.Label, Created: s.now(), CreatedBy: a.Subject, Stats: nd.Stats}
	if len(ds.Stats) == 0 {
		ds.Stats = json.RawMessage("{}")
	}
	for _, f := range nd.Files {
		ds.Files = append(ds.Files, File{Role: f.Role, Name: f.Name, SHA256: SHA256Hex(f.Data), Size: int64(len(f.Data))})
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO datasets(label, created_at, created_by, stats) VALUES (?, ?, ?, ?)`,
			ds.Label, stamp(ds.Created), ds.CreatedBy, string(ds.Stats))
		if err != nil {
			return fmt.Errorf("store: dataset: %w", err)
		}
		seq, err := res.LastInsertId()
		if err != nil {
			return fmt.Errorf("store: dataset: %w", err)
		}
		ds.ID = "d" + strconv.FormatInt(seq, 10)
		for i, f := range nd.Files {
			if err := putBlob(ctx, tx, ds.Files[i].SHA256, f.Data); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO dataset_files(dataset_seq, role, name, sha256, size) VALUES (?, ?, ?, ?, ?)`,
				seq, f.Role, f.Name, ds.Files[i].SHA256, ds.Files[i].Size); err != nil {
				return fmt.Errorf("store: dataset file %s: %w", f.Name, err)
			}
		}
		_, err = s.appendAudit(ctx, tx, change{a, "dataset.upload", ds.ID, fileDetails{Label: ds.Label, Files: hashes(ds.Files)}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return ds, nil
}

// fileDetails is the audit details of a stored dataset or round: the
// SHA-256 of every file by name, which Verify checks against the tables.
type fileDetails struct {
	Label string            `json:"label,omitempty"`
	Files map[string]string `json:"files"`
}

func hashes(files []File) map[string]string {
	m := make(map[string]string, len(files))
	for _, f := range files {
		m[f.Name] = f.SHA256
	}
	return m
}

// putBlob stores data under its hash unless it is already stored.
func putBlob(ctx context.Context, tx *sql.Tx, sha string, data []byte) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO blobs(sha256, size, data) VALUES (?, ?, ?) ON CONFLICT(sha256) DO NOTHING`,
		sha, len(data), data); err != nil {
		return fmt.Errorf("store: blob: %w", err)
	}
	return nil
}

// Blob returns the stored bytes with that SHA-256, or ErrNotFound.
func (s *Store) Blob(ctx context.Context, sha string) ([]byte, error) {
	var data []byte
	err := s.reader().QueryRowContext(ctx, `SELECT data FROM blobs WHERE sha256 = ?`, sha).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: file with SHA-256 %s", ErrNotFound, sha)
	}
	if err != nil {
		return nil, fmt.Errorf("store: blob: %w", err)
	}
	return data, nil
}

// parseID returns the sequence number of an id "<prefix><n>", or
// ErrNotFound.
func parseID(id, prefix string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimPrefix(id, prefix), 10, 64)
	if !strings.HasPrefix(id, prefix) || err != nil || n <= 0 {
		return 0, fmt.Errorf("%w: no %s %q", ErrNotFound, kind(prefix), id)
	}
	return n, nil
}

func kind(prefix string) string {
	if prefix == "d" {
		return "dataset"
	}
	return "round"
}

// Dataset returns one dataset, or ErrNotFound.
func (s *Store) Dataset(ctx context.Context, id string) (*Dataset, error) {
	seq, err := parseID(id, "d")
	if err != nil {
		return nil, err
	}
	all, err := s.datasets(ctx, `WHERE seq = ?`, seq)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("%w: no dataset %q", ErrNotFound, id)
	}
	return &all[0], nil
}

// Datasets returns every dataset, oldest first.
func (s *Store) Datasets(ctx context.Context) ([]Dataset, error) { return s.datasets(ctx, "") }

func (s *Store) datasets(ctx context.Context, where string, args ...any) ([]Dataset, error) {
	rows, err := s.reader().QueryContext(ctx, `SELECT seq, label, created_at, created_by, stats FROM datasets `+where+` ORDER BY seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: datasets: %w", err)
	}
	var out []Dataset
	for rows.Next() {
		var d Dataset
		var seq int64
		var at, stats string
		if err := rows.Scan(&seq, &d.Label, &at, &d.CreatedBy, &stats); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: datasets: %w", err)
		}
		d.ID, d.Created, d.Stats = "d"+strconv.FormatInt(seq, 10), parseStamp(at), json.RawMessage(stats)
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: datasets: %w", err)
	}
	for i := range out {
		seq, _ := parseID(out[i].ID, "d")
		if out[i].Files, err = s.files(ctx, `SELECT role, name, sha256, size FROM dataset_files WHERE dataset_seq = ? ORDER BY rowid`, seq); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// files reads File rows (role, name, sha256, size).
func (s *Store) files(ctx context.Context, query string, args ...any) ([]File, error) {
	rows, err := s.reader().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: files: %w", err)
	}
	defer rows.Close()
	var out []File
	for rows.Next() {
		var f File
		if err := rows.Scan(&f.Role, &f.Name, &f.SHA256, &f.Size); err != nil {
			return nil, fmt.Errorf("store: files: %w", err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: files: %w", err)
	}
	return out, nil
}

// DatasetFile returns the bytes of the dataset's file of that role, or
// ErrNotFound.
func (s *Store) DatasetFile(ctx context.Context, id, role string) ([]byte, error) {
	ds, err := s.Dataset(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, f := range ds.Files {
		if f.Role == role {
			return s.Blob(ctx, f.SHA256)
		}
	}
	return nil, fmt.Errorf("%w: dataset %s has no %s file", ErrNotFound, id, role)
}
