package imagebuild

import (
	"fmt"
	"io"
	"path"
	"reflect"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// Dockerfile is what a Dockerfile's final stage makes of an image, read with BuildKit's own parser.
type Dockerfile struct {
	Base       string
	Labels     map[string]string
	User       string
	Entrypoint []string
	Cmd        []string
	Files      []string // image paths the final stage copies in, sorted
	BuildRuns  []string // the RUN lines of the other stages
}

// ParseDockerfile reads a Dockerfile as `docker build --build-arg VERSION=<version>` would.
func ParseDockerfile(r io.Reader, version string) (Dockerfile, error) {
	ast, err := parser.Parse(r)
	if err != nil {
		return Dockerfile{}, err
	}
	stages, _, err := instructions.Parse(ast.AST, nil)
	if err != nil {
		return Dockerfile{}, err
	}
	if len(stages) == 0 {
		return Dockerfile{}, fmt.Errorf("dockerfile: no stage")
	}
	lex := shell.NewLex(ast.EscapeToken)
	env := shell.EnvsFromSlice([]string{"VERSION=" + version})
	expand := func(word string) (string, error) {
		out, _, err := lex.ProcessWord(word, env)
		return out, err
	}
	df := Dockerfile{Labels: map[string]string{}}
	for _, s := range stages[:len(stages)-1] {
		for _, c := range s.Commands {
			if run, ok := c.(*instructions.RunCommand); ok {
				df.BuildRuns = append(df.BuildRuns, strings.Join(run.CmdLine, " "))
			}
		}
	}
	final := stages[len(stages)-1]
	df.Base = final.BaseName
	for _, c := range final.Commands {
		if e, ok := c.(instructions.SupportsSingleWordExpansion); ok {
			if err := e.Expand(expand); err != nil {
				return Dockerfile{}, err
			}
		}
		switch c := c.(type) {
		case *instructions.LabelCommand:
			for _, kv := range c.Labels {
				df.Labels[kv.Key] = kv.Value
			}
		case *instructions.UserCommand:
			df.User = c.User
		case *instructions.EntrypointCommand:
			df.Entrypoint = c.CmdLine
		case *instructions.CmdCommand:
			df.Cmd = c.CmdLine
		case *instructions.CopyCommand:
			for _, src := range c.SourcePaths {
				dst := c.DestPath
				if strings.HasSuffix(dst, "/") {
					dst += path.Base(src)
				}
				df.Files = append(df.Files, dst)
			}
		}
	}
	sort.Strings(df.Files)
	return df, nil
}

// Drift lists where a Dockerfile would build another image than img at version; none means the same
// files, entrypoint, user and labels.
func (df Dockerfile) Drift(img Image, version string) []string {
	var out []string
	differ := func(what string, dockerfile, ours any) {
		if !reflect.DeepEqual(dockerfile, ours) {
			out = append(out, fmt.Sprintf("%s: Dockerfile %v, make images %v", what, dockerfile, ours))
		}
	}
	differ("base", df.Base, "scratch")
	differ("labels", df.Labels, img.labels(version))
	differ("user", df.User, img.User)
	differ("entrypoint", df.Entrypoint, img.Entrypoint)
	differ("cmd", df.Cmd, img.Cmd)
	differ("files", df.Files, img.paths())
	run := strings.Join(df.BuildRuns, "\n")
	for _, want := range append(img.Packages(), "CGO_ENABLED=0", "-trimpath", "-s -w -X "+VersionVar+"=${VERSION}") {
		if !strings.Contains(run, want) {
			out = append(out, fmt.Sprintf("build: the Dockerfile's go build lacks %q", want))
		}
	}
	return out
}
