package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name string
		// setup creates files under root and returns the arguments, with paths relative to root.
		setup   func(t *testing.T, root string) []string
		wantErr string            // substring of the error; "" means success
		want    map[string]string // dst/<name> -> content, checked on success
	}{
		{
			name: "one file",
			setup: func(t *testing.T, root string) []string {
				write(t, root, "src/velero-plugin-for-alibabacloud", "plugin")
				mkdir(t, root, "dst")
				return []string{"src/velero-plugin-for-alibabacloud", "dst"}
			},
			want: map[string]string{"velero-plugin-for-alibabacloud": "plugin"},
		},
		{
			name: "several files",
			setup: func(t *testing.T, root string) []string {
				write(t, root, "src/a", "A")
				write(t, root, "src/b", "BB")
				mkdir(t, root, "dst")
				return []string{"src/a", "src/b", "dst"}
			},
			want: map[string]string{"a": "A", "b": "BB"},
		},
		{
			name: "replaces an older copy",
			setup: func(t *testing.T, root string) []string {
				write(t, root, "src/p", "new")
				write(t, root, "dst/p", "old, and longer than the new one")
				return []string{"src/p", "dst"}
			},
			want: map[string]string{"p": "new"},
		},
		{
			name: "empty file",
			setup: func(t *testing.T, root string) []string {
				write(t, root, "src/p", "")
				mkdir(t, root, "dst")
				return []string{"src/p", "dst"}
			},
			want: map[string]string{"p": ""},
		},
		{
			name: "missing source",
			setup: func(t *testing.T, root string) []string {
				mkdir(t, root, "dst")
				return []string{"src/nope", "dst"}
			},
			wantErr: "src/nope: no such file or directory",
			want:    map[string]string{},
		},
		{
			name: "source is a directory",
			setup: func(t *testing.T, root string) []string {
				mkdir(t, root, "src")
				mkdir(t, root, "dst")
				return []string{"src", "dst"}
			},
			wantErr: "src is not a regular file",
			want:    map[string]string{},
		},
		{
			name: "missing destination",
			setup: func(t *testing.T, root string) []string {
				write(t, root, "src/p", "x")
				return []string{"src/p", "dst"}
			},
			wantErr: "dst: no such file or directory",
		},
		{
			name: "destination is a file",
			setup: func(t *testing.T, root string) []string {
				write(t, root, "src/p", "x")
				write(t, root, "dst", "x")
				return []string{"src/p", "dst"}
			},
			wantErr: "dst is not a directory",
		},
		{
			name:    "one argument",
			setup:   func(t *testing.T, root string) []string { return []string{"dst"} },
			wantErr: "usage: cp-plugin SRC... DSTDIR",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			args := tt.setup(t, root)
			for i := range args {
				args[i] = filepath.Join(root, args[i])
			}
			var out bytes.Buffer
			err := run(args, &out)

			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Empty(t, out.String())
			} else {
				require.NoError(t, err)
				assert.Equal(t, len(tt.want), strings.Count(out.String(), "\n"), "one line per copied file: %q", out.String())
			}
			if tt.want == nil {
				return
			}
			dst := filepath.Join(root, "dst")
			entries, err := os.ReadDir(dst)
			require.NoError(t, err)
			assert.Len(t, entries, len(tt.want), "no temporary file is left behind")
			for name, content := range tt.want {
				path := filepath.Join(dst, name)
				got, err := os.ReadFile(path)
				require.NoError(t, err)
				assert.Equal(t, content, string(got))
				info, err := os.Stat(path)
				require.NoError(t, err)
				assert.Equal(t, os.FileMode(0o755), info.Mode().Perm())
				assert.Contains(t, out.String(), "to "+path+"\n")
			}
		})
	}
}

func TestRunWithoutArgumentsUsesTheDefaults(t *testing.T) {
	assert.Equal(t, []string{"/plugins/velero-plugin-for-alibabacloud", "/target"}, defaultArgs,
		"the Dockerfile's COPY and CMD, and Velero's /target mount, rely on these paths")

	root := t.TempDir()
	write(t, root, "plugins/velero-plugin-for-alibabacloud", "plugin")
	mkdir(t, root, "target")
	saved := defaultArgs
	defaultArgs = []string{filepath.Join(root, "plugins/velero-plugin-for-alibabacloud"), filepath.Join(root, "target")}
	t.Cleanup(func() { defaultArgs = saved })

	var out bytes.Buffer
	require.NoError(t, run(nil, &out))
	got, err := os.ReadFile(filepath.Join(root, "target/velero-plugin-for-alibabacloud"))
	require.NoError(t, err)
	assert.Equal(t, "plugin", string(got))
}

// TestExitCode runs main in a child process: failure is a non-zero exit and a message on stderr.
func TestExitCode(t *testing.T) {
	if os.Getenv("CP_PLUGIN_RUN_MAIN") == "1" {
		os.Args = append([]string{"cp-plugin"}, strings.Split(os.Getenv("CP_PLUGIN_ARGS"), "\n")...)
		main()
		return
	}
	root := t.TempDir()
	write(t, root, "src/p", "x")
	tests := []struct {
		name     string
		args     string // newline-separated
		wantCode int
		stderr   string
	}{
		{"success", filepath.Join(root, "src/p") + "\n" + root, 0, ""},
		{"failure", filepath.Join(root, "src/nope") + "\n" + root, 1, "cp-plugin: open source: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestExitCode$")
			cmd.Env = append(os.Environ(), "CP_PLUGIN_RUN_MAIN=1", "CP_PLUGIN_ARGS="+tt.args)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := 0
			var exitErr *exec.ExitError
			if err != nil {
				require.ErrorAs(t, err, &exitErr)
				code = exitErr.ExitCode()
			}
			assert.Equal(t, tt.wantCode, code)
			assert.Contains(t, stderr.String(), tt.stderr)
		})
	}
}

func write(t *testing.T, root, name, content string) {
	t.Helper()
	path := filepath.Join(root, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

func mkdir(t *testing.T, root, name string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Join(root, name), 0o755))
}
