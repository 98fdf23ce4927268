package hbr

import (
	"sort"
	"strings"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/rpc"
)

// jobQuery is what DescribeBackupJobs2 and DescribeRestoreJobs2 know of their jobs: the Filters keys the
// action takes, the parameter that selects one job type, and how a filter key reads a job.
type jobQuery[T any] struct {
	filterKeys []string
	typeParam  string // SourceType or RestoreType: when set, only jobs of that type match
	field      func(job T, key string) string
}

// jobPage is the page of answers a Describe*Jobs2 request selects, with the paging it answers with.
type jobPage[O any] struct {
	items     []O // never nil: an empty page is an empty JSON array
	total     int
	num, size int32
}

// selectJobs filters the jobs, orders them by creation (SortDirection) and pages them
// (PageNumber/PageSize), turning the page's jobs into answers.
func selectJobs[T createdKeyer, O any](p rpc.Params, jobs map[string]T, q jobQuery[T], answer func(T) O) (jobPage[O], *rpc.Error) {
	filters, e := readFilters(p, q.filterKeys)
	if e != nil {
		return jobPage[O]{}, e
	}
	if typ := p.Str(q.typeParam); typ != "" {
		filters = append(filters, filter{key: q.typeParam, op: "EQUAL", values: []string{typ}})
	}
	var found []T
	for _, j := range jobs {
		if matchAll(filters, func(key string) string { return q.field(j, key) }) {
			found = append(found, j)
		}
	}
	if e := sortByCreated(p, found); e != nil {
		return jobPage[O]{}, e
	}
	start, end, num, size, e := pageOf(p, len(found))
	if e != nil {
		return jobPage[O]{}, e
	}
	page := jobPage[O]{items: []O{}, total: len(found), num: num, size: size}
	for _, j := range found[start:end] {
		page.items = append(page.items, answer(j))
	}
	return page, nil
}

// createdKeyer is a job or snapshot: ordered by creation, its ID breaking ties.
type createdKeyer interface {
	createdKey() (int64, string)
}

func (j *BackupJob) createdKey() (int64, string)  { return j.Created.UnixNano(), j.ID }
func (r *RestoreJob) createdKey() (int64, string) { return r.Created.UnixNano(), r.ID }
func (s *Snapshot) createdKey() (int64, string)   { return s.Created.UnixNano(), s.ID }

// sortByCreated orders by creation, newest first unless SortDirection is ASCEND; the ID breaks ties.
func sortByCreated[T createdKeyer](p rpc.Params, items []T) *rpc.Error {
	dir := strings.ToUpper(orDefault(p.Str("SortDirection"), "DESCEND"))
	if dir != "ASCEND" && dir != "DESCEND" {
		return rpc.ErrInvalidParam("SortDirection", "Valid values: ASCEND, DESCEND.")
	}
	sort.Slice(items, func(a, b int) bool {
		ta, ia := items[a].createdKey()
		tb, ib := items[b].createdKey()
		less := ta < tb || (ta == tb && ia < ib)
		if dir == "DESCEND" {
			return !less && (ta != tb || ia != ib)
		}
		return less
	})
	return nil
}

// cancelJob is CancelBackupJob and CancelRestoreJob: kind names the job in errors, find looks it up.
func (s *Service) cancelJob(c *call, idParam, kind string, find func(id string) (vaultID, status string, ok bool)) (any, *rpc.Error) {
	id, e := c.p.Required(idParam)
	if e != nil {
		return nil, e
	}
	vaultID, status, ok := find(id)
	if !ok {
		return nil, refuse(CodeJobNotExist, "The %s job %s does not exist.", kind, id)
	}
	if s.st.deleted[vaultID] {
		return nil, errIllegalRequest()
	}
	if terminal(status) {
		return nil, refuse(CodeJobFinished, "The %s job %s is already %s.", kind, id, status)
	}
	s.cancelJobLocked(id)
	return c.ok(), nil
}
