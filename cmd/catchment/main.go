// Command catchment allocates public school places by residence: it runs
// allocation rounds from GeoJSON inputs, replays and explains published
// rounds, generates the demo city and serves the gRPC API.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"allocate", "run an allocation round and write its output directory", runAllocate},
		{"replay", "re-run a round from its manifest and verify every output byte", runReplay},
		{"explain", "explain one applicant's placement in a round", runExplain},
		{"validate", "check input files and list every problem", runValidate},
		{"gen", "generate the synthetic demo city", runGen},
		{"catchments", "derive each school's catchment polygons from a round", runCatchments},
		{"render", "draw a ward's catchments to PNG or SVG for reports", runRender},
		{"serve", "serve the gRPC API and the ward map page", runServe},
		{"audit", "verify the store's hash-chained audit log", runAudit},
		{"version", "print the engine version", runVersion},
	}
}

// errUsage marks command-line mistakes: exit status 2.
var errUsage = errors.New("usage")

// errFailed marks a completed check that failed (already reported): exit
// status 1 without a further message.
var errFailed = errors.New("failed")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		case errors.Is(err, errFailed):
			return 1
		}
		fmt.Fprintf(stderr, "catchment %s: %v\n", c.name, err)
		return 1
	}
	fmt.Fprintf(stderr, "catchment: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: catchment <command> [flags]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'catchment <command> --help' for a command's flags.")
}

// newFlags returns a flag set that prints its usage with a description.
func newFlags(name, synopsis, description string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: catchment %s %s\n\n%s\n\nflags:\n", name, synopsis, description)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags and maps mistakes to errUsage.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

func usageError(fs *flag.FlagSet, stderr io.Writer, format string, args ...any) error {
	fmt.Fprintf(stderr, "catchment %s: %s\n", fs.Name(), fmt.Sprintf(format, args...))
	fs.Usage()
	return errUsage
}

func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", "", "Print the engine version.", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(stdout, engineName())
	return nil
}
