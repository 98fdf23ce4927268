// Command csdr-images builds the project's images without a Docker engine (`make images`) and pushes them
// (`make push-images`).
//
//	csdr-images build --repo . --out _output/images --version v0.1.0 --registry ghcr.io/csdr-io --created 1700000000
//	csdr-images push --out _output/images --registry ghcr.io/csdr-io
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/tools/imagebuild"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "csdr-images:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: csdr-images build|push [flags]")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	out := fs.String("out", "_output/images", "where the image layouts, tarballs and digests go")
	registry := fs.String("registry", "", "the registry and namespace the images are named in, e.g. ghcr.io/csdr-io")
	switch args[0] {
	case "build":
		repo := fs.String("repo", ".", "the repository root")
		version := fs.String("version", "", "the version stamped into the binaries, labels and tags")
		created := fs.Int64("created", 0, "the images' creation time in Unix seconds (SOURCE_DATE_EPOCH): the same value gives the same digests")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *version == "" || *registry == "" {
			return fmt.Errorf("build: --version and --registry are required")
		}
		start := time.Now()
		c := imagebuild.Compiler{Repo: *repo, WorkDir: filepath.Join(*out, "build"), Version: *version,
			Log: func(format string, a ...any) { fmt.Printf(format+"\n", a...) }}
		built, err := imagebuild.BuildAll(ctx, c, time.Unix(*created, 0).UTC(), imagebuild.Images...)
		if err != nil {
			return err
		}
		if err := imagebuild.Write(*out, *registry, *version, built); err != nil {
			return err
		}
		for _, b := range built {
			d, _ := b.Index.Digest()
			fmt.Printf("%s/%s:%s %s (%s)\n", *registry, b.Image.Name, *version, d, filepath.Join(*out, b.Image.Name))
		}
		fmt.Printf("images built in %s\n", time.Since(start).Round(time.Second))
		return nil
	case "push":
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *registry == "" {
			return fmt.Errorf("push: --registry is required")
		}
		pushed, err := imagebuild.Push(ctx, *out, *registry, imagebuild.Images)
		for _, ref := range pushed {
			fmt.Println(ref)
		}
		return err
	default:
		return fmt.Errorf("unknown command %q: want build or push", args[0])
	}
}
