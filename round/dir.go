package round

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/catchment/catchment/allocator"
	"github.com/catchment/catchment/geo"
)

// ErrExists is returned when a round directory already exists: a
// published round is never overwritten.
var ErrExists = errors.New("round: output directory already exists")

// CheckOutDir fails early when dir exists, before a long run.
func CheckOutDir(dir string) error {
	if _, err := os.Lstat(dir); err == nil {
		return fmt.Errorf("%w: %s", ErrExists, dir)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("round: %w", err)
	}
	return nil
}

// WriteDir writes every file of the round into a new directory dir. The
// files go to a hidden temporary directory beside dir, are synced, and the
// directory is renamed into place: either dir appears complete, or nothing
// does.
func (rd *Round) WriteDir(dir string) (err error) {
	if err := CheckOutDir(dir); err != nil {
		return err
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("round: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".partial-")
	if err != nil {
		return fmt.Errorf("round: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	for _, f := range rd.Files {
		if err := writeSynced(filepath.Join(tmp, f.Name), f.Data); err != nil {
			return err
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("round: %w", err)
	}
	if err := CheckOutDir(dir); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("round: %w", err)
	}
	return syncDir(parent)
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("round: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("round: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("round: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("round: %w", err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("round: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("round: %w", err)
	}
	return nil
}

// ReadManifest reads DIR/manifest.json.
func ReadManifest(dir string) (*Manifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, FileManifest))
	if err != nil {
		return nil, fmt.Errorf("round: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("round: %s: %w", filepath.Join(dir, FileManifest), err)
	}
	if m.Format != ManifestFormat {
		return nil, fmt.Errorf("round: %s: format %d, this engine reads format %d", filepath.Join(dir, FileManifest), m.Format, ManifestFormat)
	}
	return &m, nil
}

// ErrInputChanged is returned when an input's bytes no longer match the
// SHA-256 its manifest recorded.
var ErrInputChanged = errors.New("round: input changed since the round was run")

// Resolver returns the bytes of a manifest input and the path they were
// read from. DirResolver reads files relative to the round directory.
type Resolver func(ref FileRef) (path string, data []byte, err error)

// DirResolver resolves manifest paths relative to dir (absolute paths as
// they are); overrides replaces the path of the roles it names.
func DirResolver(dir string, overrides map[Role]string) Resolver {
	return func(ref FileRef) (string, []byte, error) {
		path := ref.Path
		if o, ok := overrides[ref.Role]; ok {
			path = o
		} else if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return path, nil, fmt.Errorf("round: input %s: %w", ref.Role, err)
		}
		return path, data, nil
	}
}

// Rerun re-reads the inputs a manifest names, refusing any whose SHA-256
// changed, and runs the round again with the manifest's mode, year, seed,
// levels and policy. levels, when not nil, restricts the run (for
// explanations); the manifest's policy is used as recorded.
func Rerun(ctx context.Context, m *Manifest, resolve Resolver, levels []geo.Level, progress allocator.Progress) (*Round, error) {
	in := Inputs{}
	for _, ref := range m.Inputs {
		path, data, err := resolve(ref)
		if err != nil {
			return nil, err
		}
		if got := sha256Hex(data); got != ref.SHA256 {
			return nil, fmt.Errorf("%w: %s %s has SHA-256 %s, the manifest recorded %s", ErrInputChanged, ref.Role, path, got, ref.SHA256)
		}
		in[ref.Role] = &Source{Path: path, ManifestPath: ref.Path, Data: data}
	}
	partial := levels != nil
	if !partial {
		for _, code := range m.Levels {
			l, err := geo.ParseLevel(code)
			if err != nil {
				return nil, fmt.Errorf("round: manifest: %w", err)
			}
			levels = append(levels, l)
		}
	}
	return Run(ctx, Request{Inputs: in, Year: m.Year, Seed: m.Seed, Mode: m.Mode, Levels: levels, Compare: m.Compare && !partial, Progress: progress})
}

// ReplayReport is the outcome of a replay: the output files that match
// byte for byte and those that do not, with why.
type ReplayReport struct {
	Engine   string   // engine that made the round
	Matching []string // file names
	Differ   []string // "file: why"
}

// OK reports whether every file matched.
func (r *ReplayReport) OK() bool { return len(r.Differ) == 0 && len(r.Matching) > 0 }

// Replay re-runs the round in dir from its manifest and compares every
// output, and the manifest itself, with the files in dir and with the
// hashes the manifest recorded.
func Replay(ctx context.Context, dir string, resolve Resolver, progress allocator.Progress) (*ReplayReport, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	rd, err := Rerun(ctx, m, resolve, nil, progress)
	if err != nil {
		return nil, err
	}
	rep := &ReplayReport{Engine: m.Engine}
	recorded := map[string]string{}
	for _, o := range m.Outputs {
		recorded[o.Name] = o.SHA256
	}
	for _, f := range rd.Files {
		onDisk, err := os.ReadFile(filepath.Join(dir, f.Name))
		switch {
		case err != nil:
			rep.Differ = append(rep.Differ, fmt.Sprintf("%s: %v", f.Name, err))
		case !bytes.Equal(onDisk, f.Data):
			rep.Differ = append(rep.Differ, f.Name+": differs from the replayed output")
		case f.Name != FileManifest && recorded[f.Name] != sha256Hex(onDisk):
			rep.Differ = append(rep.Differ, f.Name+": SHA-256 differs from the manifest")
		default:
			rep.Matching = append(rep.Matching, f.Name)
		}
	}
	rep.Differ = append(rep.Differ, unexpectedFiles(dir, rd.Files)...)
	return rep, nil
}

func unexpectedFiles(dir string, files []File) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", dir, err)}
	}
	var out []string
	for _, e := range entries {
		if !slices.ContainsFunc(files, func(f File) bool { return f.Name == e.Name() }) {
			out = append(out, e.Name()+": not an output of this round")
		}
	}
	return out
}

// Explain re-runs the level of one applicant of the round in dir (inputs
// verified against the manifest) and returns its explanation.
func Explain(ctx context.Context, dir string, resolve Resolver, applicantID string) (*allocator.Explanation, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	level, err := levelOf(filepath.Join(dir, FileAssignments), applicantID)
	if err != nil {
		return nil, err
	}
	rd, err := Rerun(ctx, m, resolve, []geo.Level{level}, nil)
	if err != nil {
		return nil, err
	}
	return rd.Result.Explain(applicantID)
}
