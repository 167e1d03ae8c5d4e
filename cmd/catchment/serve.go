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
	lookupRate                                     *float64
	drain                                          *time.Duration
	verbose, insecurePlaintext                     *bool
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
		lookupRate: fs.Float64("lookup-rate", server.DefaultLookupRate,
			"address lookups per second per ward or auditor token, bursts of 4x (0: no limit)"),
		drain:   fs.Duration("drain-timeout", 5*time.Minute, "how long running calls may take to finish on shutdown"),
		verbose: fs.Bool("v", false, "log every call, not only failures and changes"),
		insecurePlaintext: fs.Bool("insecure-plaintext", false,
			"serve without TLS on an address that is not loopback: bearer tokens cross the network in clear"),
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
	case *f.lookupRate < 0:
		return usageError(fs, stderr, "--lookup-rate must not be negative")
	case plaintextOffLoopback(f) && !*f.insecurePlaintext:
		return usageError(fs, stderr, "refusing to serve bearer tokens without TLS on an address that is not loopback: "+
			"give --tls-cert and --tls-key, or --insecure-plaintext")
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
	warnInsecure(f, log)
	rate := *f.lookupRate
	if rate == 0 {
		rate = -1 // the server's "no limit"
	}
	srv := server.New(st, tokens, server.Config{MaxUploadBytes: int64(*f.maxUploadMB) << 20, CachedRounds: *f.cachedRounds,
		LookupRate: rate, Log: log})
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

// loopback reports whether a listen address HOST:PORT names only the
// loopback interface: localhost, 127.0.0.0/8 or ::1. An empty host (every
// interface) is not loopback.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// plaintextOffLoopback reports whether bearer tokens would cross the
// network in clear: no TLS, and the gRPC or map page address not loopback.
func plaintextOffLoopback(f serveFlags) bool {
	return *f.tlsCert == "" && (!loopback(*f.addr) || *f.httpAddr != "" && !loopback(*f.httpAddr))
}

// warnInsecure logs what weakens the protection of the bearer tokens:
// plain text off loopback (allowed by --insecure-plaintext) and a tokens
// file that group or others may read.
func warnInsecure(f serveFlags, log *slog.Logger) {
	if plaintextOffLoopback(f) {
		log.Warn("serving without TLS on an address that is not loopback (--insecure-plaintext): bearer tokens cross the network in clear",
			"grpc", *f.addr, "http", *f.httpAddr)
	}
	if fi, err := os.Stat(*f.tokens); err == nil && fi.Mode().Perm()&0o077 != 0 {
		log.Warn("the tokens file is readable by group or others: chmod 600 it", "tokens", *f.tokens, "mode", fi.Mode().Perm().String())
	}
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

// handlerWait bounds how long shutdown waits, after cancelling the calls
// still running, for their handlers to return before the store is closed.
const handlerWait = 5 * time.Second

// shutdown stops accepting calls and waits for running ones up to drain;
// then, or on a second signal, it cancels what still runs (a round cut off
// leaves nothing in the store) and waits up to handlerWait for the
// handlers to return.
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
	if hs != nil {
		hs.Close() // the map page's connections too
	}
	stop(gs, handlerWait, log)
	return nil
}

// stop cancels every running call and waits up to wait for the handlers
// to return (the server's GRPCServer waits for handlers in Stop).
func stop(gs *grpc.Server, wait time.Duration, log *slog.Logger) {
	stopped := make(chan struct{})
	go func() {
		gs.Stop()
		close(stopped)
	}()
	select {
	case <-stopped:
		log.Info("stopped")
	case <-time.After(wait):
		log.Warn("handlers still running; closing the store under them", "waited", wait)
	}
}
