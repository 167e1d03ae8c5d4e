package flow

import (
	"fmt"
	"os"
	"strconv"
)

// Tuning knobs for the benchmarks: FLOWTOP (coarsest scale bits), FLOWBULK (movers that send the
// solver back to a coarser scale), FLOWSTEP (bits per refinement), FLOWDEBUG (per-round trace on stderr).
func init() {
	if v, err := strconv.Atoi(os.Getenv("FLOWTOP")); err == nil {
		coarsestBits = v
	}
	if v, err := strconv.Atoi(os.Getenv("FLOWBULK")); err == nil {
		bulkMovers = v
	}
	if v, err := strconv.Atoi(os.Getenv("FLOWSTEP")); err == nil {
		scaleStep = uint(v)
	}
	if os.Getenv("FLOWDEBUG") != "" {
		debugf = func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }
	}
}
