package main

import (
	"context"
	"fmt"
	"io"

	"github.com/catchment/catchment/store"
)

func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("audit", "verify|list --store FILE [flags]",
		"verify: check the store's hash-chained audit log from its first entry, every stored file\n"+
			"against its SHA-256, and every dataset, round, publication and approval against the entry\n"+
			"that recorded it. Exit 0 and print the count when all holds; otherwise name the first broken\n"+
			"entry (seq) and exit 1. The store is opened read-only; the server may be running.\n"+
			"A log cut back or rewritten at its end is consistent in itself: keep the head that PublishRound\n"+
			"returns (or that verify prints) outside the server and pass it as --expect-head SEQ:HASH.\n"+
			"list: print the entries, one per line.", stderr)
	path := fs.String("store", "", "store file (required)")
	after := fs.Int64("after", 0, "list: entries after this sequence number")
	expectHead := fs.String("expect-head", "", "verify: a head kept outside the store, SEQ:HASH; the log must still hold it")
	if len(args) == 0 || (args[0] != "verify" && args[0] != "list") {
		if err := parse(fs, args); err != nil {
			return err
		}
		return usageError(fs, stderr, "give verify or list")
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *path == "" {
		return usageError(fs, stderr, "--store is required")
	}
	var expect *store.Head
	if *expectHead != "" {
		h, err := store.ParseHead(*expectHead)
		if err != nil {
			return usageError(fs, stderr, "%v", err)
		}
		expect = &h
	}
	st, err := store.OpenReadOnly(ctx, *path)
	if err != nil {
		return err
	}
	defer st.Close()
	if args[0] == "list" {
		return listAudit(ctx, st, *after, stdout)
	}
	return verifyAudit(ctx, st, expect, stdout)
}

func verifyAudit(ctx context.Context, st *store.Store, expect *store.Head, stdout io.Writer) error {
	v, err := st.Verify(ctx, expect)
	if err != nil {
		return err
	}
	if !v.OK() {
		if v.FirstBroken > 0 {
			fmt.Fprintf(stdout, "audit log BROKEN: first broken entry seq %d (of %d entries)\n", v.FirstBroken, v.Entries)
		} else {
			fmt.Fprintf(stdout, "audit log chain holds (%d entries), but the store does not match it\n", v.Entries)
		}
		for _, p := range v.Problems {
			fmt.Fprintf(stdout, "  %s\n", p)
		}
		return errFailed
	}
	fmt.Fprintf(stdout, "audit log verified: %d entries, head seq %d hash %s\n", v.Entries, v.Head.Seq, v.Head.Hash)
	if expect != nil {
		fmt.Fprintf(stdout, "the log still holds the expected head %s\n", expect)
	}
	fmt.Fprintf(stdout, "stored files verified: %d files match their SHA-256; %d datasets and rounds and %d publications and approvals match their audit entries\n",
		v.Blobs, v.Objects, v.Facts)
	return nil
}

func listAudit(ctx context.Context, st *store.Store, after int64, stdout io.Writer) error {
	for {
		page, err := st.AuditEntries(ctx, after, 0)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		for _, e := range page {
			fmt.Fprintf(stdout, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.At, e.Role, e.Subject, e.Action, e.Object, e.Details, e.Hash)
		}
		after = page[len(page)-1].Seq
	}
}
