package legacybackup

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// log is <name>-logs.gz before compression: what `velero backup logs` shows, in logrus's text format
// with Velero's fields. The messages are those Velero v1.5 logged; the logSource line numbers are
// illustrative.
func (b Backup) log(items []item) []byte {
	var sb strings.Builder
	at := b.Started
	line := func(msg, source string, fields map[string]string) {
		fields["backup"] = "velero/" + b.Name
		fields["logSource"] = source
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintf(&sb, "time=%q level=info msg=%q", rfc3339(at), msg)
		for _, k := range keys {
			fmt.Fprintf(&sb, " %s=%s", k, logValue(fields[k]))
		}
		sb.WriteByte('\n')
	}
	const controller, backup, itemBackupper = "pkg/controller/backup_controller.go", "pkg/backup/backup.go", "pkg/backup/item_backupper.go"
	line("Setting up backup temp file", controller+":556", map[string]string{})
	line("Setting up plugin manager", controller+":563", map[string]string{})
	line("Getting backup item actions", controller+":567", map[string]string{})
	line("Setting up backup store to check for backup existence", controller+":573", map[string]string{})
	line("Writing backup version file", backup+":279", map[string]string{})
	line("Including namespaces: "+strings.Join(namespaces(items), ", "), backup+":285", map[string]string{})
	line("Excluding namespaces: <none>", backup+":286", map[string]string{})
	line("Including resources: *", backup+":289", map[string]string{})
	line("Excluding resources: <none>", backup+":290", map[string]string{})
	line("Backing up all pod volumes using restic: false", backup+":291", map[string]string{})
	snapshotted := map[string]string{}
	for _, s := range b.Snapshots {
		snapshotted[s.PV] = s.ID
	}
	span := b.completed(items).Sub(b.Started)
	for i, it := range items {
		at = b.Started.Add(span * time.Duration(i+1) / time.Duration(len(items)+1))
		fields := func() map[string]string {
			return map[string]string{"name": it.obj.GetName(), "namespace": it.namespace, "resource": it.groupResource}
		}
		line("Processing item", backup+":378", fields())
		line("Backing up item", itemBackupper+":121", fields())
		if id, ok := snapshotted[it.obj.GetName()]; ok && it.groupResource == "persistentvolumes" {
			line("Executing takePVSnapshot", itemBackupper+":412", fields())
			line("Snapshotting persistent volume", itemBackupper+":489", map[string]string{"persistentVolume": it.obj.GetName(), "providerSnapshotID": id})
		}
		progress := fields()
		progress["progress"] = ""
		line(fmt.Sprintf("Backed up %d items out of an estimated total of %d (estimate will change throughout the backup)", i+1, len(items)),
			backup+":418", progress)
	}
	at = b.completed(items)
	line(fmt.Sprintf("Backed up a total of %d items", len(items)), backup+":451", map[string]string{"progress": ""})
	return []byte(sb.String())
}

// logValue quotes a field value the way logrus's text formatter does: only when it needs to.
func logValue(v string) string {
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._/@^+", r)) {
			return strconv.Quote(v)
		}
	}
	return v
}
