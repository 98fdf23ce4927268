package ecs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// Every disk has a content directory, <DataDir>/ecs/disks/<id>: the bytes a node sees when the disk is
// attached (the harness runs on the same machine and uses the path directly). A snapshot keeps a full
// copy, <DataDir>/ecs/snapshots/<id>, taken when it is created; hard links would let a later in-place
// write to the disk reach the snapshot. Copies are built in <DataDir>/ecs/tmp and renamed into place, so
// a crash never leaves half a copy under a resource's name.

func (st *store) diskDir(id string) string     { return filepath.Join(st.root, "disks", id) }
func (st *store) snapshotDir(id string) string { return filepath.Join(st.root, "snapshots", id) }

// fillContent makes dst a copy of the directory src, or an empty directory when src is "".
func (st *store) fillContent(dst, src string) error {
	tmpRoot := filepath.Join(st.root, "tmp")
	if err := os.MkdirAll(tmpRoot, 0o755); err != nil {
		return fmt.Errorf("create content staging dir: %w", err)
	}
	tmp, err := os.MkdirTemp(tmpRoot, "content-*")
	if err != nil {
		return fmt.Errorf("create content staging dir: %w", err)
	}
	if err := st.fillStaged(tmp, src); err != nil {
		_ = os.RemoveAll(tmp)
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("create content dir %s: %w", dst, err)
	}
	if err := os.RemoveAll(dst); err != nil {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("replace content dir %s: %w", dst, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("move content into %s: %w", dst, err)
	}
	return nil
}

func (st *store) fillStaged(tmp, src string) error {
	if src == "" {
		if err := os.Chmod(tmp, 0o755); err != nil {
			return fmt.Errorf("open content dir: %w", err)
		}
		return nil
	}
	if err := copyTree(src, tmp); err != nil {
		return fmt.Errorf("copy content of %s: %w", filepath.Base(src), err)
	}
	return nil
}

// removeContent deletes a resource's content; a missing directory is no error.
func removeContent(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove content %s: %w", dir, err)
	}
	return nil
}

// copyTree copies the tree at src into the existing directory dst: directories, regular files and
// symbolic links, with their modes and modification times. Other file types (sockets, devices) are
// skipped: a disk a test fills holds none.
func copyTree(src, dst string) error {
	type dirTimes struct {
		path string
		info fs.FileInfo
	}
	var dirs []dirTimes
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			if rel != "." {
				if err := os.Mkdir(target, 0o700); err != nil {
					return err
				}
			}
			dirs = append(dirs, dirTimes{target, info})
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.Type().IsRegular():
			return copyFile(path, target, info)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Children first: writing into a directory would move its time again.
	for _, d := range slices.Backward(dirs) {
		if err := os.Chmod(d.path, d.info.Mode().Perm()); err != nil {
			return err
		}
		if err := os.Chtimes(d.path, d.info.ModTime(), d.info.ModTime()); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string, info fs.FileInfo) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, cerr := io.Copy(out, in)
	if err := errors.Join(cerr, out.Close()); err != nil {
		return err
	}
	if err := os.Chmod(dst, info.Mode().Perm()); err != nil {
		return err
	}
	return os.Chtimes(dst, info.ModTime(), info.ModTime())
}

// reconcileContent makes the content directories match the state after a start: leftovers of an
// interrupted copy go, a resource without content (state from before disks held bytes) gets an empty
// directory, and content of a resource the state no longer has (a crash between save and removal) goes.
func (st *store) reconcileContent() error {
	if err := os.RemoveAll(filepath.Join(st.root, "tmp")); err != nil {
		return fmt.Errorf("sweep content staging dir: %w", err)
	}
	for _, kind := range []struct {
		dir  string
		keep func(string) bool
	}{
		{"disks", func(id string) bool { return st.disks[id] != nil }},
		{"snapshots", func(id string) bool { return st.snapshots[id] != nil }},
	} {
		dir := filepath.Join(st.root, kind.dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create content dir %s: %w", dir, err)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("list content dir %s: %w", dir, err)
		}
		for _, e := range entries {
			if !kind.keep(e.Name()) {
				if err := removeContent(filepath.Join(dir, e.Name())); err != nil {
					return err
				}
			}
		}
	}
	for id := range st.disks {
		if err := ensureDir(st.diskDir(id)); err != nil {
			return err
		}
	}
	for id := range st.snapshots {
		if err := ensureDir(st.snapshotDir(id)); err != nil {
			return err
		}
	}
	return nil
}

func ensureDir(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return fmt.Errorf("create content dir %s: %w", dir, err)
	}
	return nil
}
