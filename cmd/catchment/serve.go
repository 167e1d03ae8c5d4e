package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/catchment/catchment/server"
	"github.com/catchment/catchment/store"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// serveFlags are the flags of catchment serve.
type serveFlags struct {
	addr, store, tokens, tlsCert, tlsKey, httpAddr *string
	maxUploadMB, cachedRounds                      *int
	drain                                          *time.Duration
	verbose                                        *bool
}

func runServe(ctx context.Context, args []string, _, stderr io.Writer) error {
	fs := newFlags("serve", "--addr HOST:PORT --store FILE --tokens FILE [flags]",
		"Serve the gRPC API (datasets, rounds, address lookups, ward previews, audit log) over an\n"+
			"embedded store, and the ward map page over HTTP with --http-addr. The tokens file is a JSON\n"+
			"object mapping each bearer token to \"office\", \"auditor\" or \"ward:<code>\". SIGTERM or\n"+
			"SIGINT stops accepting calls and lets running ones (a round included) finish within\n"+
			"--drain-timeout; a second signal stops at once.", stderr)
	f := serveFlags{
		addr:         fs.String("addr", "127.0.0.1:50051", "gRPC listen address, HOST:PORT (port 0: any free port)"),
		store:        fs.String("store", "", "store file, created if missing (required)"),
		tokens:       fs.String("tokens", "", "tokens file (required)"),
		tlsCert:      fs.String("tls-cert", "", "TLS certificate (PEM); with --tls-key, serve TLS"),
		tlsKey:       fs.String("tls-key", "", "TLS private key (PEM)"),
		httpAddr:     fs.String("http-addr", "", "map page listen address, HOST:PORT (empty: off)"),
		maxUploadMB:  fs.Int("max-upload-mb", server.DefaultMaxUploadBytes>>20, "largest dataset upload, MiB"),
		cachedRounds: fs.Int("cached-rounds", server.DefaultCachedRounds, "rounds kept in memory for lookups and explanations"),
		drain:        fs.Duration("drain-timeout", 5*time.Minute, "how long running calls may take to finish on shutdown"),
		verbose:      fs.Bool("v", false, "log every call, not only failures and changes"),
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *f.store == "" || *f.tokens == "":
		return usageError(fs, stderr, "--store and --tokens are required")
	case (*f.tlsCert == "") != (*f.tlsKey == ""):
		return usageError(fs, stderr, "give both --tls-cert and --tls-key, or neither")
	case *f.maxUploadMB <= 0:
		return usageError(fs, stderr, "--max-upload-mb must be positive")
	}
	return serve(ctx, f, stderr)
}

func serve(ctx context.Context, f serveFlags, stderr io.Writer) error {
	tokens, err := server.LoadTokens(*f.tokens)
	if err != nil {
		return err
	}
	tlsConf, err := loadTLS(*f.tlsCert, *f.tlsKey)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, *f.store)
	if err != nil {
		return err
	}
	defer st.Close()
	level := slog.LevelInfo
	if *f.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	srv := server.New(st, tokens, server.Config{MaxUploadBytes: int64(*f.maxUploadMB) << 20, CachedRounds: *f.cachedRounds, Log: log})
	var opts []grpc.ServerOption
	if tlsConf != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(tlsConf)))
	}
	gs := srv.GRPCServer(opts...)
	lis, err := net.Listen("tcp", *f.addr)
	if err != nil {
		return err
	}
	hs, err := startHTTP(*f.httpAddr, srv, tlsConf, log)
	if err != nil {
		lis.Close()
		return err
	}
	log.Info("serving", "grpc", lis.Addr().String(), "tls", tlsConf != nil, "http", *f.httpAddr, "store", *f.store, "tokens", tokens.Len())
	go srv.Warm(ctx)
	served := make(chan error, 1)
	go func() { served <- gs.Serve(lis) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	return shutdown(srv, gs, hs, *f.drain, log)
}

// loadTLS returns the TLS configuration of a certificate and key, or nil
// when neither is given.
func loadTLS(cert, key string) (*tls.Config, error) {
	if cert == "" {
		return nil, nil
	}
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}

// startHTTP serves the map page on addr (TLS with the gRPC certificate),
// or returns nil when addr is empty.
func startHTTP(addr string, srv *server.Server, tlsConf *tls.Config, log *slog.Logger) (*http.Server, error) {
	if addr == "" {
		return nil, nil
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: srv.HTTPHandler(), TLSConfig: tlsConf, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		var err error
		if tlsConf != nil {
			err = hs.ServeTLS(lis, "", "")
		} else {
			err = hs.Serve(lis)
		}
		if !errors.Is(err, http.ErrServerClosed) {
			log.Error("map page", "err", err)
		}
	}()
	log.Info("map page", "http", lis.Addr().String())
	return hs, nil
}

// shutdown stops accepting calls and waits for running ones up to drain;
// then, or on a second signal, it cancels what still runs (a round cut off
// leaves nothing in the store).
func shutdown(srv *server.Server, gs *grpc.Server, hs *http.Server, drain time.Duration, log *slog.Logger) error {
	log.Info("shutting down: draining running calls", "timeout", drain)
	srv.Drain()
	again := make(chan os.Signal, 1)
	signal.Notify(again, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(again)
	hctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	stopped := make(chan struct{})
	go func() {
		if hs != nil {
			go hs.Shutdown(hctx)
		}
		gs.GracefulStop()
		close(stopped)
	}()
	select {
	case <-stopped:
		log.Info("stopped")
		return nil
	case <-time.After(drain):
		log.Warn("drain timeout: cancelling running calls")
	case <-again:
		log.Warn("second signal: cancelling running calls")
	}
	gs.Stop()
	return nil
}
