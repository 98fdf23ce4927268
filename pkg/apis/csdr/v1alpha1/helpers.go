package v1alpha1

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// MaxJobNameLength bounds HBRJobName. HBR documents no limit; 63 also keeps the name usable as a label
// value on the pods and events that concern the job.
const MaxJobNameLength = 63

const (
	jobNameSuffix = "-hbr"
	uidPartLength = 8
	hashLength    = 6
)

// HBRJobName is the name of the HBR backup job of one volume of a backup: <backup>-<first 8 of the
// claim UID>-hbr. ACK Backup Center names its one job per backup <backup>-hbr; here each volume has its
// own job, and the claim UID tells them apart. A backup name too long for MaxJobNameLength is cut and
// followed by a hash of the whole name, so two long names that share a prefix still differ.
func HBRJobName(backup string, claimUID types.UID) string {
	return perClaimName(backup, claimUID, jobNameSuffix)
}

// RecordName is the name of the FilesystemBackup (owner is the Backup's name) or FilesystemRestore
// (the Restore's) of one claim: <owner>-<first 8 of the claim UID>, cut like HBRJobName. The item
// actions and Velero's finalizing pass find a record again by this name alone, and it also fits a
// label value.
func RecordName(owner string, claimUID types.UID) string {
	return perClaimName(owner, claimUID, "")
}

func perClaimName(owner string, claimUID types.UID, suffix string) string {
	uid := string(claimUID)
	if len(uid) > uidPartLength {
		uid = uid[:uidPartLength]
	}
	tail := "-" + uid + suffix
	if len(owner)+len(tail) <= MaxJobNameLength {
		return owner + tail
	}
	sum := sha256.Sum256([]byte(owner))
	hash := hex.EncodeToString(sum[:])[:hashLength]
	keep := MaxJobNameLength - len(tail) - len(hash) - 1
	// A name cut after a dash or a dot would read as two separators in a row.
	prefix := strings.TrimRight(owner[:keep], "-.")
	return prefix + "-" + hash + tail
}

// RetentionDays is a TTL in HBR's unit, whole days, rounded up so that HBR never deletes a snapshot
// before Velero deletes its backup, and at least 1.
func RetentionDays(ttl time.Duration) int64 {
	const day = 24 * time.Hour
	days := int64((ttl + day - 1) / day)
	if days < 1 {
		return 1
	}
	return days
}

// RetentionDays is the record's retention in HBR's days.
func (s *FilesystemBackupSpec) RetentionDays() int64 { return RetentionDays(s.Retention.Duration) }

// HBRProgressScale is HBR's 100 %: a job's Progress counts ten-thousandths.
const HBRProgressScale = 10000

// Percent renders HBR's Progress (0..10000) for the Progress column, rounded down so that "100%" means
// HBR said done, and clamped to 0..100.
func Percent(hbrProgress int32) string {
	p := int64(hbrProgress) * 100 / HBRProgressScale
	p = max(0, min(100, p))
	return strconv.FormatInt(p, 10) + "%"
}
