package round

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"os"

	"github.com/catchment/catchment/allocator"
	"github.com/catchment/catchment/geo"
)

// levelOf finds an applicant's level in an assignments.csv file.
func levelOf(path, applicantID string) (geo.Level, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("round: %w", err)
	}
	defer f.Close()
	prefix := []byte(applicantID + ",")
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, prefix) && !bytes.HasPrefix(line, []byte(`"`)) {
			continue
		}
		rec, err := csv.NewReader(bytes.NewReader(line)).Read()
		if err != nil || len(rec) < 2 || rec[0] != applicantID {
			continue
		}
		return geo.ParseLevel(rec[1])
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("round: %s: %w", path, err)
	}
	return 0, fmt.Errorf("%w: %q", allocator.ErrUnknownApplicant, applicantID)
}
