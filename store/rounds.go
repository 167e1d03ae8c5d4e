package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ManifestName is the output file whose SHA-256 identifies a round.
const ManifestName = "manifest.json"

// Round is one stored round.
type Round struct {
	ID        string // "r" and a sequence number, e.g. "r7"
	DatasetID string
	Year      int
	Seed      string
	Mode      string
	Levels    []string // level codes
	Engine    string
	Created   time.Time
	CreatedBy string
	Files     []File // outputs, manifest.json included, in the order given
	// Published lists the levels for which this round is the published
	// round now.
	Published []string
}

// ManifestSHA256 returns the SHA-256 of the round's manifest.json, or "".
func (r *Round) ManifestSHA256() string {
	for _, f := range r.Files {
		if f.Name == ManifestName {
			return f.SHA256
		}
	}
	return ""
}

// NewRound is a completed round to store.
type NewRound struct {
	DatasetID string
	Year      int
	Seed      string
	Mode      string
	Levels    []string
	Engine    string
	Outputs   []FileData // every output file, manifest.json included
	// Inputs are input files the manifest names besides the dataset's (a
	// policy given with the run request).
	Inputs []FileData
}

// CreateRound stores a completed round's outputs and extra inputs and
// appends a "round.run" audit entry naming every output's hash, in one
// transaction: after a crash the round is either complete or absent.
func (s *Store) CreateRound(ctx context.Context, a Actor, nr NewRound) (*Round, error) {
	dseq, err := parseID(nr.DatasetID, "d")
	if err != nil {
		return nil, err
	}
	r := &Round{DatasetID: nr.DatasetID, Year: nr.Year, Seed: nr.Seed, Mode: nr.Mode, Levels: nr.Levels, Engine: nr.Engine,
		Created: s.now(), CreatedBy: a.Subject}
	for _, f := range nr.Outputs {
		r.Files = append(r.Files, File{Name: f.Name, SHA256: SHA256Hex(f.Data), Size: int64(len(f.Data))})
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO rounds(dataset_seq, year, seed, mode, levels, engine, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, dseq, r.Year, r.Seed, r.Mode, strings.Join(r.Levels, ","), r.Engine, stamp(r.Created), r.CreatedBy)
		if err != nil {
			return fmt.Errorf("store: round: %w", err)
		}
		seq, err := res.LastInsertId()
		if err != nil {
			return fmt.Errorf("store: round: %w", err)
		}
		r.ID = "r" + strconv.FormatInt(seq, 10)
		if err := insertRoundFiles(ctx, tx, seq, nr, r.Files); err != nil {
			return err
		}
		_, err = s.appendAudit(ctx, tx, change{a, "round.run", r.ID, roundDetails{Dataset: r.DatasetID, Year: r.Year, Seed: r.Seed,
			Mode: r.Mode, Levels: r.Levels, Engine: r.Engine, Files: hashes(r.Files)}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// roundDetails is the audit details of a stored round.
type roundDetails struct {
	Dataset string            `json:"dataset"`
	Year    int               `json:"year"`
	Seed    string            `json:"seed"`
	Mode    string            `json:"mode"`
	Levels  []string          `json:"levels"`
	Engine  string            `json:"engine"`
	Files   map[string]string `json:"files"`
}

func insertRoundFiles(ctx context.Context, tx *sql.Tx, seq int64, nr NewRound, files []File) error {
	for i, f := range nr.Outputs {
		if err := putBlob(ctx, tx, files[i].SHA256, f.Data); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO round_files(round_seq, name, sha256, size) VALUES (?, ?, ?, ?)`,
			seq, f.Name, files[i].SHA256, files[i].Size); err != nil {
			return fmt.Errorf("store: round file %s: %w", f.Name, err)
		}
	}
	for _, f := range nr.Inputs {
		sha := SHA256Hex(f.Data)
		if err := putBlob(ctx, tx, sha, f.Data); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO round_inputs(round_seq, sha256) VALUES (?, ?) ON CONFLICT DO NOTHING`, seq, sha); err != nil {
			return fmt.Errorf("store: round input: %w", err)
		}
	}
	return nil
}

// Round returns one round, or ErrNotFound.
func (s *Store) Round(ctx context.Context, id string) (*Round, error) {
	seq, err := parseID(id, "r")
	if err != nil {
		return nil, err
	}
	all, err := s.rounds(ctx, `WHERE seq = ?`, seq)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("%w: no round %q", ErrNotFound, id)
	}
	return &all[0], nil
}

// Rounds returns every round, oldest first.
func (s *Store) Rounds(ctx context.Context) ([]Round, error) { return s.rounds(ctx, "") }

func (s *Store) rounds(ctx context.Context, where string, args ...any) ([]Round, error) {
	rows, err := s.reader().QueryContext(ctx, `SELECT seq, dataset_seq, year, seed, mode, levels, engine, created_at, created_by
		FROM rounds `+where+` ORDER BY seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: rounds: %w", err)
	}
	var out []Round
	for rows.Next() {
		var r Round
		var seq, dseq int64
		var levels, at string
		if err := rows.Scan(&seq, &dseq, &r.Year, &r.Seed, &r.Mode, &levels, &r.Engine, &at, &r.CreatedBy); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: rounds: %w", err)
		}
		r.ID, r.DatasetID, r.Created = "r"+strconv.FormatInt(seq, 10), "d"+strconv.FormatInt(dseq, 10), parseStamp(at)
		if levels != "" {
			r.Levels = strings.Split(levels, ",")
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: rounds: %w", err)
	}
	published, err := s.Published(ctx)
	if err != nil {
		return nil, err
	}
	for i := range out {
		seq, _ := parseID(out[i].ID, "r")
		if out[i].Files, err = s.files(ctx, `SELECT '', name, sha256, size FROM round_files WHERE round_seq = ? ORDER BY rowid`, seq); err != nil {
			return nil, err
		}
		for _, l := range out[i].Levels {
			if published[l] == out[i].ID {
				out[i].Published = append(out[i].Published, l)
			}
		}
	}
	return out, nil
}

// RoundFile returns the bytes of one output file of a round, or
// ErrNotFound.
func (s *Store) RoundFile(ctx context.Context, id, name string) ([]byte, error) {
	seq, err := parseID(id, "r")
	if err != nil {
		return nil, err
	}
	var sha string
	err = s.reader().QueryRowContext(ctx, `SELECT sha256 FROM round_files WHERE round_seq = ? AND name = ?`, seq, name).Scan(&sha)
	if err == sql.ErrNoRows {
		return nil, fmt.Errorf("%w: round %s has no file %q", ErrNotFound, id, name)
	}
	if err != nil {
		return nil, fmt.Errorf("store: round file: %w", err)
	}
	return s.Blob(ctx, sha)
}
