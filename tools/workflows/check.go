package workflows

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rhysd/actionlint"
)

// Problem is one thing wrong with a workflow file, with where it is.
type Problem struct {
	File    string
	Line    int
	Message string
}

func (p Problem) String() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message) }

// Check lints one workflow with actionlint (without shellcheck, which this machine and CI lack), checks
// that its actions are pinned to commits, and that its `make` commands call targets of the Makefile.
func Check(path string, content []byte, targets map[string]bool) ([]Problem, error) {
	linter, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
	if err != nil {
		return nil, fmt.Errorf("check workflow %s: %w", path, err)
	}
	lintErrs, err := linter.Lint(path, content, nil)
	if err != nil {
		return nil, fmt.Errorf("check workflow %s: %w", path, err)
	}
	var problems []Problem
	for _, e := range lintErrs {
		problems = append(problems, Problem{File: path, Line: e.Line, Message: fmt.Sprintf("%s [%s]", e.Message, e.Kind)})
	}
	for _, p := range Unpinned(content) {
		p.File = path
		problems = append(problems, p)
	}
	workflow, _ := actionlint.Parse(content) // its errors are actionlint's, reported above
	for _, run := range RunSteps(workflow) {
		for _, call := range MakeCalls(run.Value) {
			if len(call.Targets) == 0 {
				problems = append(problems, Problem{File: path, Line: run.Pos.Line, Message: fmt.Sprintf("%q runs the default target; name it", call.Command)})
			}
			for _, target := range call.Targets {
				if !targets[target] {
					problems = append(problems, Problem{File: path, Line: run.Pos.Line,
						Message: fmt.Sprintf("%q: the Makefile has no target %q", call.Command, target)})
				}
			}
		}
	}
	return problems, nil
}

// RunSteps are the scripts of a workflow's `run:` steps, job by job in name order.
func RunSteps(workflow *actionlint.Workflow) []*actionlint.String {
	if workflow == nil {
		return nil
	}
	ids := make([]string, 0, len(workflow.Jobs))
	for id := range workflow.Jobs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var runs []*actionlint.String
	for _, id := range ids {
		job := workflow.Jobs[id]
		if job == nil {
			continue
		}
		for _, step := range job.Steps {
			if run, ok := step.Exec.(*actionlint.ExecRun); ok && run.Run != nil {
				runs = append(runs, run.Run)
			}
		}
	}
	return runs
}

// Events are the names of the events that trigger a workflow.
func Events(workflow *actionlint.Workflow) []string {
	var names []string
	for _, e := range workflow.On {
		names = append(names, e.EventName())
	}
	return names
}

// CheckDir checks every *.yaml and *.yml file of a workflows directory against the Makefile's targets.
func CheckDir(dir string, targets map[string]bool) ([]Problem, error) {
	var files []string
	for _, pattern := range []string{"*.yaml", "*.yml"} {
		m, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			return nil, err
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("check workflows: no workflow files in %s", dir)
	}
	sort.Strings(files)
	var problems []Problem
	for _, f := range files {
		content, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("check workflows: %w", err)
		}
		p, err := Check(f, content, targets)
		if err != nil {
			return nil, err
		}
		problems = append(problems, p...)
	}
	return problems, nil
}

// RunsScript tells whether one of the workflow's run steps is exactly the script (e.g. ".ci/run").
func RunsScript(workflow *actionlint.Workflow, script string) bool {
	for _, run := range RunSteps(workflow) {
		if strings.TrimSpace(run.Value) == script {
			return true
		}
	}
	return false
}
