package server

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// authenticate returns ctx carrying the caller's principal, or
// ErrUnauthenticated / ErrForbidden. Public methods pass without a token.
func (s *Server) authenticate(ctx context.Context, method string) (context.Context, error) {
	if publicMethod(method) {
		return ctx, nil
	}
	md, _ := metadata.FromIncomingContext(ctx)
	var token string
	if v := md.Get("authorization"); len(v) == 1 {
		token = bearer(v[0])
	}
	p, ok := s.tokens.Authenticate(token)
	if !ok {
		return ctx, ErrUnauthenticated
	}
	ctx = withPrincipal(ctx, p)
	return ctx, authorize(p, method)
}

// unary authenticates and authorises every unary call, maps its error to
// a status, and logs failures and changes.
func (s *Server) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	start := time.Now()
	ctx, err := s.authenticate(ctx, info.FullMethod)
	var resp any
	if err == nil {
		resp, err = handler(ctx, req)
	}
	err = toStatus(s.log, info.FullMethod, err)
	s.logCall(ctx, info.FullMethod, start, err)
	return resp, err
}

// stream does for streaming calls what unary does.
func (s *Server) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	start := time.Now()
	ctx, err := s.authenticate(ss.Context(), info.FullMethod)
	if err == nil {
		err = handler(srv, &ctxStream{ServerStream: ss, ctx: ctx})
	}
	err = toStatus(s.log, info.FullMethod, err)
	s.logCall(ctx, info.FullMethod, start, err)
	return err
}

// ctxStream is a server stream whose context carries the principal.
type ctxStream struct {
	grpc.ServerStream
	ctx context.Context
}

// Context returns the context carrying the principal.
func (c *ctxStream) Context() context.Context { return c.ctx }

// logCall logs failed calls and changes; successful reads are logged at
// debug level. It logs the method, role, token label, code and duration,
// never request contents.
func (s *Server) logCall(ctx context.Context, method string, start time.Time, err error) {
	if publicMethod(method) || err == nil && !access[method].mutating && !s.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	p, _ := principalOf(ctx)
	code := status.Code(err)
	attrs := []any{"method", method, "role", p.String(), "subject", p.Subject, "code", code.String(),
		"ms", time.Since(start).Milliseconds()}
	switch {
	case err != nil:
		s.log.Warn("call failed", append(attrs, "err", firstLine(status.Convert(err).Message()))...)
	case access[method].mutating:
		s.log.Info("call", attrs...)
	default:
		s.log.Debug("call", attrs...)
	}
}

func firstLine(s string) string {
	for i := range len(s) {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}
