package seeds

import (
	"errors"
	"strings"
	"testing"

	"github.com/catchment/catchment/geo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGenerateRejectsInvalidConfigs(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Config)
		field string
	}{
		{"no applicants", func(c *Config) { c.Applicants = 0 }, "Applicants"},
		{"negative applicants", func(c *Config) { c.Applicants = -5 }, "Applicants"},
		{"too many applicants", func(c *Config) { c.Applicants = MaxApplicants + 1 }, "Applicants"},
		{"no schools", func(c *Config) { c.SchoolsPerLevel = 0 }, "SchoolsPerLevel"},
		{"too many schools", func(c *Config) { c.SchoolsPerLevel = MaxSchoolsPerLevel + 1 }, "SchoolsPerLevel"},
		{"no wards", func(c *Config) { c.Wards = 0 }, "Wards"},
		{"too many wards", func(c *Config) { c.Wards = MaxWards + 1 }, "Wards"},
		{"year zero", func(c *Config) { c.Year = 0 }, "Year"},
		{"the zero config", func(c *Config) { *c = Config{} }, "Applicants"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.edit(&cfg)
			city, err := Generate(cfg, nil)
			require.Error(t, err)
			assert.Nil(t, city)
			assert.True(t, errors.Is(err, ErrInvalidConfig))
			assert.Contains(t, err.Error(), tt.field)
		})
	}
}

func TestDefaultConfigIsTheDocumentedCity(t *testing.T) {
	assert.Equal(t, Config{Seed: 2026, Year: 2026, Applicants: 400_000, SchoolsPerLevel: 1_000, Wards: 126}, DefaultConfig())
}

func TestProgressIsReportedNowAndThen(t *testing.T) {
	cfg := smallConfig()
	calls := map[string]int{}
	var last [2]int
	progress := func(stage string, done, total int) {
		calls[stage]++
		assert.LessOrEqual(t, done, total, stage)
		last = [2]int{done, total}
	}
	city, err := Generate(cfg, progress)
	require.NoError(t, err)
	assert.Equal(t, [2]int{cfg.Applicants, cfg.Applicants}, last, "the last report is complete")
	assert.Positive(t, calls["applicants"])
	assert.Less(t, calls["applicants"], cfg.Applicants/1000, "not called per applicant")
	require.NoError(t, city.WriteDir(t.TempDir(), progress))
	assert.Positive(t, calls["write applicants.geojson"])
	assert.Equal(t, [2]int{len(FileNames()), len(FileNames())}, last)
}

func TestStatsSummarisesTheCity(t *testing.T) {
	g := smallCity(t)
	s := g.city.Stats()
	for _, want := range []string{"40 wards", "applicants: 20000", "kindergartens", "selective"} {
		assert.Contains(t, s, want)
	}
	for _, l := range geo.Levels() {
		assert.Contains(t, s, l.String())
	}
	assert.LessOrEqual(t, strings.Count(s, "\n"), 12, "a few lines")
}

func TestTinyCitiesAreValid(t *testing.T) {
	for _, cfg := range []Config{
		{Seed: 1, Year: 2026, Applicants: 1, SchoolsPerLevel: 1, Wards: 1},
		{Seed: -7, Year: 1900, Applicants: 5, SchoolsPerLevel: 2, Wards: 2},
		{Seed: 3, Year: 9999, Applicants: 50, SchoolsPerLevel: 3, Wards: 7},
	} {
		city, err := Generate(cfg, nil)
		require.NoError(t, err, "%+v", cfg)
		checkCounts(t, city)
		require.NoError(t, city.WriteDir(t.TempDir(), nil))
	}
}

// checkCounts checks the counts a Config promises.
func checkCounts(t *testing.T, c *City) {
	t.Helper()
	assert.Len(t, c.applicants, c.cfg.Applicants)
	assert.Len(t, c.world.wards, c.cfg.Wards)
	for _, l := range geo.Levels() {
		n := 0
		for i := range c.schools {
			if c.schools[i].offers(l) {
				n++
				assert.Positive(t, c.schools[i].classes[l])
			}
		}
		assert.Equal(t, c.cfg.SchoolsPerLevel, n, "schools offering %s", l)
	}
}

func FuzzGenerate(f *testing.F) {
	f.Add(int64(2026), uint16(300), uint8(5), uint16(126))
	f.Add(int64(-1), uint16(1), uint8(1), uint16(1))
	f.Add(int64(9), uint16(0), uint8(0), uint16(0))
	f.Fuzz(func(t *testing.T, seed int64, applicants uint16, schools uint8, wards uint16) {
		cfg := Config{Seed: seed, Year: 2026, Applicants: int(applicants % 2000), SchoolsPerLevel: int(schools % 40), Wards: int(wards % 400)}
		city, err := Generate(cfg, nil)
		if cfg.Applicants < 1 || cfg.SchoolsPerLevel < 1 || cfg.Wards < 1 {
			require.ErrorIs(t, err, ErrInvalidConfig)
			return
		}
		require.NoError(t, err)
		checkCounts(t, city)
	})
}
