package workflows

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const repoRoot = "../.."

// The repository's own workflows: they pass actionlint, call only existing make targets, and CI runs
// what a developer runs.
func TestRepositoryWorkflows(t *testing.T) {
	makefile, err := os.ReadFile(filepath.Join(repoRoot, "Makefile"))
	require.NoError(t, err)
	problems, err := CheckDir(filepath.Join(repoRoot, ".github", "workflows"), MakeTargets(makefile))
	require.NoError(t, err)
	assert.Empty(t, problems)

	ci, err := os.ReadFile(filepath.Join(repoRoot, ".github", "workflows", "ci.yaml"))
	require.NoError(t, err)
	workflow, errs := actionlint.Parse(ci)
	require.Empty(t, errs)
	assert.True(t, RunsScript(workflow, ".ci/run"), "ci.yaml runs .ci/run, what a developer runs")
	assert.Subset(t, Events(workflow), []string{"pull_request", "push"})
}

func TestCheckFixtures(t *testing.T) {
	makefile, err := os.ReadFile("testdata/Makefile")
	require.NoError(t, err)
	targets := MakeTargets(makefile)
	tests := []struct {
		file string
		want []string // substrings of the problems, one each; none for a good workflow
	}{
		{file: "good.yaml"},
		{file: "unknown-target.yaml", want: []string{`"make VERSION=v1 image": the Makefile has no target "image"`}},
		{file: "bad-needs.yaml", want: []string{`job "push" needs job "build" which does not exist`}},
		{file: "bad-expression.yaml", want: []string{`property "nonsense" is not defined`}},
		{file: "bad-syntax.yaml", want: []string{`unexpected key "step"`}},
		{file: "default-target.yaml", want: []string{"runs the default target"}},
		{file: "unpinned.yaml", want: []string{
			"unpinned.yaml:7: actions/checkout@v7: pin the action",
			"unpinned.yaml:8: actions/setup-go@b7ad1dad31e06c5925ef5d2fc7ad053ef454303e: pin the action",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			content, err := os.ReadFile(path)
			require.NoError(t, err)
			problems, err := Check(path, content, targets)
			require.NoError(t, err)
			var got []string
			for _, p := range problems {
				got = append(got, p.String())
			}
			if len(tt.want) == 0 {
				assert.Empty(t, got)
				return
			}
			all := strings.Join(got, "\n")
			for _, want := range tt.want {
				assert.Contains(t, all, want)
			}
		})
	}
}

func TestMakeTargets(t *testing.T) {
	makefile, err := os.ReadFile("testdata/Makefile")
	require.NoError(t, err)
	got := MakeTargets(makefile)
	var names []string
	for name := range got {
		names = append(names, name)
	}
	slices.Sort(names)
	assert.Equal(t, []string{"deps", "images", "push-images", "test"}, names, "no variables, no .PHONY, no recipe lines")
}

func TestMakeCalls(t *testing.T) {
	tests := []struct {
		script string
		want   [][]string
	}{
		{script: "make test", want: [][]string{{"test"}}},
		{script: "make images VERSION=\"$VERSION\" REGISTRY='a b'", want: [][]string{{"images"}}},
		{script: "make -C tools -j 4 -k lint unit", want: [][]string{{"lint", "unit"}}},
		{script: "set -e\nmake a && make b || make c; make d | tee x", want: [][]string{{"a"}, {"b"}, {"c"}, {"d"}}},
		{script: "make release-assets VERSION=v1 \\\n  REGISTRY=r", want: [][]string{{"release-assets"}}},
		{script: "if make verify; then echo ok; fi", want: [][]string{{"verify"}}},
		{script: "make demo # then make nothing", want: [][]string{{"demo"}}},
		{script: "echo make test; cmake build; ./make x; remake y", want: nil},
		{script: "make", want: [][]string{nil}},
	}
	for _, tt := range tests {
		t.Run(tt.script, func(t *testing.T) {
			var got [][]string
			for _, c := range MakeCalls(tt.script) {
				got = append(got, c.Targets)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}
