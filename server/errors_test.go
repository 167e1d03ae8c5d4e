package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/catchment/catchment/store"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
)

// busyError returns the error SQLite gives a writer while another
// connection holds the file's write lock, and no busy timeout is left.
func busyError(t *testing.T) error {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "busy.db")
	holder, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	t.Cleanup(func() { holder.Close() })
	conn, err := holder.Conn(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	for _, stmt := range []string{`CREATE TABLE t (x INTEGER)`, `BEGIN EXCLUSIVE`} {
		_, err := conn.ExecContext(ctx, stmt)
		require.NoError(t, err, stmt)
	}
	writer, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	t.Cleanup(func() { writer.Close() })
	_, err = writer.ExecContext(ctx, `INSERT INTO t VALUES (1)`)
	require.Error(t, err)
	return err
}

func TestErrorsMapToCodes(t *testing.T) {
	busy := busyError(t)
	cases := []struct {
		name string
		err  error
		want codes.Code
	}{
		{"a store busy beyond its timeout is unavailable", fmt.Errorf("store: %w", busy), codes.Unavailable},
		{"a busy store whose error lost its type is unavailable", fmt.Errorf("store: begin: %v", busy), codes.Unavailable},
		{"a server shutting down is unavailable", ErrShuttingDown, codes.Unavailable},
		{"too many lookups exhaust the token's quota", fmt.Errorf("%w: at most 50 a second", ErrRateLimited), codes.ResourceExhausted},
		{"something missing is not found", fmt.Errorf("x: %w", store.ErrNotFound), codes.NotFound},
		{"an error nobody expected is internal", errors.New("store: disk I/O error"), codes.Internal},
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			requireCode(t, c.want, toStatus(log, "/test", c.err))
		})
	}
}
