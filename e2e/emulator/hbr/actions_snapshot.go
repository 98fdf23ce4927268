package hbr

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/rpc"
)

// condition is one element of SearchHistoricalSnapshots' Query:
// {"field":"VaultId","value":"v-…","operation":"MATCH_TERM"}; BETWEEN, IN and NOT_IN take an array.
type condition struct {
	Field     string          `json:"field"`
	Value     json.RawMessage `json:"value"`
	Operation string          `json:"operation"`
	values    []string
}

var snapshotFields = []string{"VaultId", "InstanceId", "Bucket", "FileSystemId", "CreateTime", "CreatedTime", "CompleteTime",
	"JobId", "SnapshotId", "Status"}

var snapshotOps = []string{"MATCH_TERM", "GREATER_THAN", "GREATER_THAN_OR_EQUAL", "LESS_THAN", "LESS_THAN_OR_EQUAL", "BETWEEN", "IN", "NOT_IN"}

func readQuery(raw string) ([]condition, *rpc.Error) {
	var conds []condition
	if err := json.Unmarshal([]byte(raw), &conds); err != nil {
		return nil, rpc.ErrInvalidParam("Query", "It must be a JSON array of {field, value, operation}.")
	}
	for i := range conds {
		c := &conds[i]
		c.Operation = strings.ToUpper(orDefault(c.Operation, "MATCH_TERM"))
		if !slices.Contains(snapshotFields, c.Field) || !slices.Contains(snapshotOps, c.Operation) {
			return nil, rpc.ErrInvalidParam("Query", fmt.Sprintf("Field %q with operation %q is not supported.", c.Field, c.Operation))
		}
		var many []json.RawMessage
		if err := json.Unmarshal(c.Value, &many); err != nil {
			many = []json.RawMessage{c.Value}
		}
		for _, v := range many {
			var text string
			if json.Unmarshal(v, &text) != nil {
				text = string(v) // a number
			}
			c.values = append(c.values, text)
		}
		if len(c.values) == 0 || (c.Operation == "BETWEEN" && len(c.values) != 2) {
			return nil, rpc.ErrInvalidParam("Query", fmt.Sprintf("Field %s: %s needs a value (BETWEEN two).", c.Field, c.Operation))
		}
	}
	return conds, nil
}

func (c condition) asFilter() filter {
	op := map[string]string{"MATCH_TERM": "EQUAL"}[c.Operation]
	return filter{key: c.Field, op: orDefault(op, c.Operation), values: c.values}
}

type snapshotOut struct {
	SnapshotID         string         `json:"SnapshotId"`
	SnapshotHash       string         `json:"SnapshotHash"`
	ParentSnapshotHash string         `json:"ParentSnapshotHash"`
	JobID              string         `json:"JobId"`
	VaultID            string         `json:"VaultId"`
	SourceType         string         `json:"SourceType"`
	Status             string         `json:"Status"`
	BackupType         string         `json:"BackupType"`
	BytesTotal         int64          `json:"BytesTotal"`
	BytesDone          int64          `json:"BytesDone"`
	ActualBytes        int64          `json:"ActualBytes"`
	ItemsTotal         int64          `json:"ItemsTotal"`
	ItemsDone          int64          `json:"ItemsDone"`
	ActualItems        int64          `json:"ActualItems"`
	CreatedTime        int64          `json:"CreatedTime"`
	StartTime          int64          `json:"StartTime"`
	CompleteTime       int64          `json:"CompleteTime"`
	UpdatedTime        int64          `json:"UpdatedTime"`
	ExpireTime         int64          `json:"ExpireTime,omitempty"`
	Retention          int64          `json:"Retention"`
	Path               string         `json:"Path"`
	Paths              map[string]any `json:"Paths"`
	ClientID           string         `json:"ClientId"`
}

type searchSnapshotsResponse struct {
	base
	TotalCount int32                    `json:"TotalCount"`
	Limit      int32                    `json:"Limit"`
	NextToken  string                   `json:"NextToken"`
	Snapshots  map[string][]snapshotOut `json:"Snapshots"`
}

func (s *Service) searchSnapshots(c *call) (any, *rpc.Error) {
	if _, e := c.p.Required("SourceType"); e != nil {
		return nil, e
	}
	raw, e := c.p.Required("Query")
	if e != nil {
		return nil, e
	}
	conds, e := readQuery(raw)
	if e != nil {
		return nil, e
	}
	var filters []filter
	vault := ""
	for _, cond := range conds {
		if cond.Field == "VaultId" && cond.Operation == "MATCH_TERM" {
			vault = cond.values[0]
		}
		filters = append(filters, cond.asFilter())
	}
	if vault == "" {
		return nil, rpc.ErrInvalidParam("Query", "It must hold a VaultId MATCH_TERM condition.")
	}
	if s.st.deleted[vault] {
		return nil, errIllegalRequest()
	}
	var found []*Snapshot
	for _, snap := range s.st.snapshots {
		if matchAll(filters, func(key string) string { return s.snapshotField(snap, key) }) {
			found = append(found, snap)
		}
	}
	limit, set, e := c.p.Integer("Limit", 0, 100)
	if e != nil {
		return nil, e
	}
	if !set {
		limit = 10
	}
	_ = sortByCreated(rpc.Params{}, found)
	out := searchSnapshotsResponse{base: c.ok(), TotalCount: int32(len(found)), Limit: int32(limit),
		Snapshots: map[string][]snapshotOut{"Snapshot": {}}}
	if limit == 0 { // count only
		return out, nil
	}
	start, end, info, e := snapshotPager.Paginate(rpc.Params{V: map[string][]string{"Limit": {strconv.FormatInt(limit, 10)},
		"NextToken": {c.p.Str("NextToken")}}}, len(found), true)
	if e != nil {
		return nil, e
	}
	out.NextToken = *info.NextToken
	for _, snap := range found[start:end] {
		out.Snapshots["Snapshot"] = append(out.Snapshots["Snapshot"], snapshotJSON(snap))
	}
	return out, nil
}

func (s *Service) snapshotField(snap *Snapshot, key string) string {
	switch key {
	case "VaultId":
		return snap.VaultID
	case "JobId":
		return snap.JobID
	case "SnapshotId":
		return snap.ID
	case "Status":
		return snap.Status
	case "CreateTime", "CreatedTime":
		return strconv.FormatInt(unix(snap.Created), 10)
	case "CompleteTime":
		return strconv.FormatInt(unix(snap.Completed), 10)
	case "InstanceId":
		if j := s.st.backups[snap.JobID]; j != nil {
			return j.ClusterID
		}
	}
	return ""
}

func snapshotJSON(snap *Snapshot) snapshotOut {
	out := snapshotOut{SnapshotID: snap.ID, SnapshotHash: snap.Hash, ParentSnapshotHash: snap.ParentHash, JobID: snap.JobID,
		VaultID: snap.VaultID, SourceType: SourceContainer, Status: snap.Status, BackupType: snap.BackupType,
		BytesTotal: snap.BytesTotal, BytesDone: snap.BytesDone, ActualBytes: snap.ActualBytes, ItemsTotal: snap.ItemsTotal,
		ItemsDone: snap.ItemsDone, ActualItems: snap.ItemsDone, CreatedTime: unix(snap.Created), StartTime: unix(snap.Started),
		CompleteTime: unix(snap.Completed), UpdatedTime: unix(snap.Completed), Retention: snap.RetentionDay, Path: snap.Path,
		Paths: map[string]any{"Path": []string{snap.Path}}, ClientID: snap.ClientID}
	if at, ok := snap.expiresAt(); ok {
		out.ExpireTime = unix(at)
	}
	return out
}

// deleteSnapshot removes a snapshot; the newest snapshot of its source needs Force, because the next
// backup of that source would build on it.
func (s *Service) deleteSnapshot(c *call) (any, *rpc.Error) {
	id, e := c.p.Required("SnapshotId")
	if e != nil {
		return nil, e
	}
	if v := c.p.Str("VaultId"); v != "" && s.st.deleted[v] {
		return nil, errIllegalRequest()
	}
	force, _, e := c.p.Boolean("Force")
	if e != nil {
		return nil, e
	}
	snap := s.st.snapshots[id]
	if snap == nil {
		return nil, refuse(CodeSnapshotNotExist, "The snapshot %s does not exist.", id)
	}
	if !force && s.latestSnapshot(snap.VaultID, snap.Source) == snap {
		return nil, refuse(CodeSnapshotLatest, "The snapshot %s is the latest of its source; set Force to delete it.", id)
	}
	delete(s.st.snapshots, id)
	s.gcLocked()
	return c.ok(), nil
}
