package store

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var (
	office = Actor{Role: "office", Subject: "0ff1ce00"}
	ward   = Actor{Role: "ward:00115", Subject: "3a7d0000"}
)

// openTemp opens a new store in a temporary directory with a clock that
// ticks one second per reading from a fixed instant.
func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "catchment.db")
	s, err := Open(context.Background(), path)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	tick := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	s.SetClock(func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		tick = tick.Add(time.Second)
		return tick
	})
	return s, path
}

func sampleDataset(t *testing.T, s *Store) *Dataset {
	t.Helper()
	ds, err := s.CreateDataset(context.Background(), office, NewDataset{Label: "July window", Files: []FileData{
		{Role: "schools", Name: "schools.geojson", Data: []byte(`{"type":"FeatureCollection","features":[]}`)},
		{Role: "applicants", Name: "applicants.geojson", Data: []byte(`{"type":"FeatureCollection","features":[1]}`)},
	}, Stats: json.RawMessage(`{"schools":0}`)})
	require.NoError(t, err)
	return ds
}

func sampleRound(t *testing.T, s *Store, datasetID string) *Round {
	t.Helper()
	r, err := s.CreateRound(context.Background(), office, NewRound{DatasetID: datasetID, Year: 2026, Seed: "s", Mode: "stable",
		Levels: []string{"grade1", "grade6"}, Engine: "catchment test", Outputs: []FileData{
			{Name: "assignments.csv", Data: []byte("applicant_id\n")},
			{Name: ManifestName, Data: []byte("{}\n")},
		}, Inputs: []FileData{{Name: "policy.json", Data: []byte(`{"class_caps":{"grade1":30}}`)}}})
	require.NoError(t, err)
	return r
}

func TestStoreKeepsDatasetsRoundsPublicationsAndApprovals(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	ds := sampleDataset(t, s)
	require.Equal(t, "d1", ds.ID)
	got, err := s.Dataset(ctx, "d1")
	require.NoError(t, err)
	require.Equal(t, "July window", got.Label)
	require.Len(t, got.Files, 2)
	require.Equal(t, SHA256Hex([]byte(`{"type":"FeatureCollection","features":[]}`)), got.Files[0].SHA256)
	require.JSONEq(t, `{"schools":0}`, string(got.Stats))
	data, err := s.DatasetFile(ctx, "d1", "applicants")
	require.NoError(t, err)
	require.Equal(t, `{"type":"FeatureCollection","features":[1]}`, string(data))

	r := sampleRound(t, s, ds.ID)
	require.Equal(t, "r1", r.ID)
	require.Equal(t, SHA256Hex([]byte("{}\n")), r.ManifestSHA256())
	file, err := s.RoundFile(ctx, "r1", "assignments.csv")
	require.NoError(t, err)
	require.Equal(t, "applicant_id\n", string(file))

	changed, head, err := s.Publish(ctx, office, "r1")
	require.NoError(t, err)
	require.Equal(t, []string{"grade1", "grade6"}, changed)
	require.Equal(t, int64(3), head.Seq)
	changed, again, err := s.Publish(ctx, office, "r1")
	require.NoError(t, err)
	require.Empty(t, changed, "publishing the published round again changes nothing")
	require.Equal(t, head, again)
	pub, err := s.Published(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"grade1": "r1", "grade6": "r1"}, pub)
	stored, err := s.Round(ctx, "r1")
	require.NoError(t, err)
	require.Equal(t, []string{"grade1", "grade6"}, stored.Published)

	ap, err := s.Approve(ctx, ward, Approval{RoundID: "r1", Ward: "00115", Level: "grade1", Note: "checked on the map"})
	require.NoError(t, err)
	require.Equal(t, "3a7d0000", ap.By)
	aps, err := s.Approvals(ctx, "r1")
	require.NoError(t, err)
	require.Len(t, aps, 1)
	require.Equal(t, "ward:00115", aps[0].Role)

	entries, err := s.AuditEntries(ctx, 0, 0)
	require.NoError(t, err)
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action+" "+e.Object)
	}
	require.Equal(t, []string{"dataset.upload d1", "round.run r1", "round.publish r1", "round.approve r1"}, actions)

	v, err := s.Verify(ctx, nil)
	require.NoError(t, err)
	require.True(t, v.OK(), "%v", v.Problems)
	require.Equal(t, int64(4), v.Entries)
	require.Equal(t, 2, v.Objects)
	require.Equal(t, 5, v.Blobs)
}

func TestUnknownIDsAreNotFound(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	for name, call := range map[string]func() error{
		"a dataset id without its prefix": func() error { _, err := s.Dataset(ctx, "1"); return err },
		"a dataset that does not exist":   func() error { _, err := s.Dataset(ctx, "d9"); return err },
		"a round that does not exist":     func() error { _, err := s.Round(ctx, "r9"); return err },
		"a round file of no round":        func() error { _, err := s.RoundFile(ctx, "r9", "x"); return err },
		"publishing no round":             func() error { _, _, err := s.Publish(ctx, office, "r9"); return err },
		"approving no round": func() error {
			_, err := s.Approve(ctx, office, Approval{RoundID: "r9", Ward: "1", Level: "grade1"})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) { require.ErrorIs(t, call(), ErrNotFound) })
	}
}

func TestTheAuditHashCoversACanonicalEncoding(t *testing.T) {
	e := Entry{Seq: 1, At: "2026-07-01T08:00:01Z", Role: "office", Subject: "0ff1ce00", Action: "round.publish",
		Object: "r1", Details: `{"levels":["grade1"]}`, PrevHash: GenesisHash}
	require.Equal(t, `1:1,20:2026-07-01T08:00:01Z,6:office,8:0ff1ce00,13:round.publish,2:r1,21:{"levels":["grade1"]},64:`+GenesisHash+",",
		string(e.Canonical()))
	require.Equal(t, SHA256Hex(e.Canonical()), e.ComputeHash())
}

func TestEveryTableRefusesUpdatesAndDeletes(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	sampleRound(t, s, sampleDataset(t, s).ID)
	_, _, err := s.Publish(ctx, office, "r1")
	require.NoError(t, err)
	_, err = s.Approve(ctx, ward, Approval{RoundID: "r1", Ward: "00115", Level: "grade1"})
	require.NoError(t, err)
	for _, stmt := range []string{
		`UPDATE audit SET role = 'auditor'`,
		`DELETE FROM audit`,
		`UPDATE blobs SET data = x'00'`,
		`DELETE FROM rounds`,
		`UPDATE datasets SET label = 'x'`,
		`DELETE FROM dataset_files`,
		`UPDATE round_files SET size = 0`,
		`DELETE FROM round_inputs`,
		`DELETE FROM publications`,
		`UPDATE approvals SET note = 'x'`,
	} {
		t.Run(stmt, func(t *testing.T) {
			_, err := s.db.Exec(stmt)
			require.Error(t, err)
		})
	}
	v, err := s.Verify(ctx, nil)
	require.NoError(t, err)
	require.True(t, v.OK(), "%v", v.Problems)
}

func TestVerifyNamesTheFirstBrokenEntry(t *testing.T) {
	cases := []struct {
		name   string
		tamper []string
		broken int64
		says   string
	}{
		{"an entry's details were edited", []string{`DROP TRIGGER audit_no_update`,
			`UPDATE audit SET details = '{"levels":["grade6"]}' WHERE seq = 3`}, 3, "hash does not match"},
		{"an entry was deleted", []string{`DROP TRIGGER audit_no_delete`, `DELETE FROM audit WHERE seq = 2`}, 3, "an entry is missing"},
		{"an entry was rewritten with a fresh hash of its own", []string{`DROP TRIGGER audit_no_update`,
			`UPDATE audit SET prev_hash = '` + GenesisHash + `' WHERE seq = 2`}, 2, "prev_hash"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := openTemp(t)
			ds := sampleDataset(t, s)
			sampleRound(t, s, ds.ID)
			_, _, err := s.Publish(context.Background(), office, "r1")
			require.NoError(t, err)
			for _, stmt := range c.tamper {
				_, err := s.db.Exec(stmt)
				require.NoError(t, err)
			}
			v, err := s.Verify(context.Background(), nil)
			require.NoError(t, err)
			require.False(t, v.OK())
			require.Equal(t, c.broken, v.FirstBroken)
			require.Contains(t, v.Problems[0], fmt.Sprintf("audit entry %d: ", c.broken))
			require.Contains(t, v.Problems[0], c.says)
		})
	}
}

func TestVerifyFindsStoredFactsThatDoNotMatchTheLog(t *testing.T) {
	cases := []struct {
		name   string
		tamper []string
		says   string
	}{
		{"an output file's bytes were changed", []string{`DROP TRIGGER blobs_no_update`,
			`UPDATE blobs SET data = CAST('applicant_id,x' || char(10) AS BLOB) WHERE size = 13`}, "the file was changed"},
		{"a round's file was pointed at other bytes", []string{`DROP TRIGGER round_files_no_update`,
			`UPDATE round_files SET sha256 = (SELECT sha256 FROM dataset_files LIMIT 1) WHERE name = 'assignments.csv'`}, "r1: its files differ"},
		{"an approval was inserted past the log", []string{
			`INSERT INTO approvals(round_seq, ward, level, role, approved_by, note, digest, approved_at) VALUES (1, '9', 'grade1', 'office', 'x', '', '', 'x')`},
			"approvals: 2 rows, the audit log records 1"},
		{"an approval's note was changed", []string{`DROP TRIGGER approvals_no_update`,
			`UPDATE approvals SET note = 'approved by phone'`}, "approvals: row 1 is"},
		{"a publication was pointed at another round", []string{`DROP TRIGGER publications_no_update`,
			`UPDATE publications SET round_seq = 2 WHERE level = 'grade6'`}, "publications: row 2 is"},
		{"the log was cut before the publication and a publication forged", []string{`DROP TRIGGER audit_no_delete`,
			`DROP TRIGGER publications_no_delete`, `DROP TRIGGER approvals_no_delete`, `DELETE FROM audit WHERE seq >= 4`,
			`DELETE FROM publications`, `DELETE FROM approvals`,
			`INSERT INTO publications(level, round_seq, published_at, published_by) VALUES ('grade1', 1, 'x', '0ff1ce00')`},
			"publications: 1 rows, the audit log records 0"},
		{"a round's seed was changed", []string{`DROP TRIGGER rounds_no_update`, `UPDATE rounds SET seed = 'other' WHERE seq = 1`},
			`r1: seed="other", its audit entry records seed="s"`},
		{"a round was inserted past the log", []string{
			`INSERT INTO rounds(dataset_seq, year, seed, mode, levels, engine, created_at, created_by) VALUES (1, 2026, 's', 'stable', 'grade1', 'e', 'x', 'x')`},
			"r3: no audit entry records it"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := openTemp(t)
			ds := sampleDataset(t, s)
			sampleRound(t, s, ds.ID)
			sampleRound(t, s, ds.ID)
			_, _, err := s.Publish(context.Background(), office, "r1")
			require.NoError(t, err)
			_, err = s.Approve(context.Background(), ward, Approval{RoundID: "r1", Ward: "00115", Level: "grade1", Note: "ok"})
			require.NoError(t, err)
			v, err := s.Verify(context.Background(), nil)
			require.NoError(t, err)
			require.True(t, v.OK(), "before tampering: %v", v.Problems)
			require.Equal(t, 3, v.Objects)
			require.Equal(t, 3, v.Facts, "two publications and one approval")
			for _, stmt := range c.tamper {
				_, err := s.db.Exec(stmt)
				require.NoError(t, err)
			}
			v, err = s.Verify(context.Background(), nil)
			require.NoError(t, err)
			require.False(t, v.OK())
			require.Zero(t, v.FirstBroken, "the chain itself holds")
			require.Contains(t, fmt.Sprint(v.Problems), c.says)
		})
	}
}

func TestVerifyChecksAHeadKeptOutsideTheStore(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	ds := sampleDataset(t, s)
	sampleRound(t, s, ds.ID)
	_, kept, err := s.Publish(ctx, office, "r1")
	require.NoError(t, err)
	require.Equal(t, int64(3), kept.Seq)
	_, err = s.Approve(ctx, ward, Approval{RoundID: "r1", Ward: "00115", Level: "grade1"})
	require.NoError(t, err)

	v, err := s.Verify(ctx, &kept)
	require.NoError(t, err)
	require.True(t, v.OK(), "the log grew after the head was kept: %v", v.Problems)

	wrong := Head{Seq: kept.Seq, Hash: strings.Repeat("a", 64)}
	v, err = s.Verify(ctx, &wrong)
	require.NoError(t, err)
	require.Equal(t, kept.Seq, v.FirstBroken)
	require.Contains(t, v.Problems[0], "rewritten")

	// Cut the log back to before the publication, with the rows it recorded:
	// consistent in itself, so only the kept head shows it.
	for _, stmt := range []string{`DROP TRIGGER audit_no_delete`, `DROP TRIGGER publications_no_delete`, `DROP TRIGGER approvals_no_delete`,
		`DELETE FROM audit WHERE seq >= 3`, `DELETE FROM publications`, `DELETE FROM approvals`} {
		_, err := s.db.Exec(stmt)
		require.NoError(t, err)
	}
	v, err = s.Verify(ctx, nil)
	require.NoError(t, err)
	require.True(t, v.OK(), "without a kept head the shorter log holds: %v", v.Problems)
	v, err = s.Verify(ctx, &kept)
	require.NoError(t, err)
	require.False(t, v.OK())
	require.Equal(t, kept.Seq, v.FirstBroken)
	require.Contains(t, v.Problems[0], "cut back to entry 2")
}

func TestHeadsParseAsTheyPrint(t *testing.T) {
	h := Head{Seq: 12, Hash: strings.Repeat("0f", 32)}
	got, err := ParseHead(h.String())
	require.NoError(t, err)
	require.Equal(t, h, got)
	for _, bad := range []string{"", "12", "0:" + h.Hash, "x:" + h.Hash, "12:" + strings.ToUpper(h.Hash), "12:abc"} {
		_, err := ParseHead(bad)
		require.Error(t, err, bad)
	}
}

func TestVerifyReadsOneStateWhileTheServerWrites(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	ds := sampleDataset(t, s)
	ro, err := OpenReadOnly(ctx, path)
	require.NoError(t, err)
	defer ro.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 20 {
			sampleRound(t, s, ds.ID)
		}
	}()
	for {
		v, err := ro.Verify(ctx, nil)
		require.NoError(t, err)
		require.True(t, v.OK(), "%v", v.Problems)
		select {
		case <-done:
			return
		default:
		}
	}
}

func TestAFailedRoundLeavesNoTrace(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	ds := sampleDataset(t, s)
	_, err := s.CreateRound(ctx, office, NewRound{DatasetID: ds.ID, Year: 2026, Seed: "s", Mode: "stable", Levels: []string{"grade1"},
		Outputs: []FileData{{Name: "a.csv", Data: []byte("1")}, {Name: "a.csv", Data: []byte("2")}}})
	require.Error(t, err, "two outputs of one name violate the key")
	rounds, err := s.Rounds(ctx)
	require.NoError(t, err)
	require.Empty(t, rounds)
	head, err := s.AuditHead(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(1), head.Seq, "only the upload is logged")
	v, err := s.Verify(ctx, nil)
	require.NoError(t, err)
	require.True(t, v.OK(), "%v", v.Problems)
	r := sampleRound(t, s, ds.ID)
	require.Equal(t, "r1", r.ID, "the failed round used no id")
}

func TestConcurrentChangesKeepOneChain(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	sampleRound(t, s, sampleDataset(t, s).ID)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			_, err := s.Approve(ctx, ward, Approval{RoundID: "r1", Ward: "00115", Level: "grade1", Note: fmt.Sprint(i)})
			require.NoError(t, err)
		})
	}
	wg.Wait()
	v, err := s.Verify(ctx, nil)
	require.NoError(t, err)
	require.True(t, v.OK(), "%v", v.Problems)
	require.Equal(t, int64(18), v.Entries)
}

func TestReopeningKeepsEverythingAndReadOnlyOpenVerifies(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	sampleRound(t, s, sampleDataset(t, s).ID)
	require.NoError(t, s.Close())

	again, err := Open(ctx, path)
	require.NoError(t, err)
	ds, err := again.Datasets(ctx)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	require.NoError(t, again.Close())

	ro, err := OpenReadOnly(ctx, path)
	require.NoError(t, err)
	defer ro.Close()
	v, err := ro.Verify(ctx, nil)
	require.NoError(t, err)
	require.True(t, v.OK(), "%v", v.Problems)
	_, err = ro.CreateDataset(ctx, office, NewDataset{Label: "x"})
	require.Error(t, err, "a read-only store refuses writes")
}

func TestOpeningSomethingElseFailsWithErrSchema(t *testing.T) {
	ctx := context.Background()
	_, err := OpenReadOnly(ctx, filepath.Join(t.TempDir(), "missing.db"))
	require.Error(t, err)

	s, path := openTemp(t)
	_, err = s.db.Exec(`INSERT INTO schema_migrations(version, name, applied_at) VALUES (999, 'future', 'x')`)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	_, err = Open(ctx, path)
	require.ErrorIs(t, err, ErrSchema)
	_, err = OpenReadOnly(ctx, path)
	require.ErrorIs(t, err, ErrSchema)
}

func TestANewStoreUsesLargePagesAndWAL(t *testing.T) {
	s, _ := openTemp(t)
	var pageSize int
	var mode string
	require.NoError(t, s.db.QueryRow(`PRAGMA page_size`).Scan(&pageSize))
	require.NoError(t, s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode))
	require.Equal(t, 65536, pageSize, "large files are stored in fewer pages")
	require.Equal(t, "wal", mode, "readers (audit verify) do not block the server")
}
