package ecs

import "github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/rpc"

// pager pages ECS Describe answers: 10 items by default, at most 100.
var pager = rpc.Pager{TokenPrefix: "ecs-emulator-offset:", DefaultSize: 10, MaxSize: 100}

// paginate picks which of n matching items a Describe request gets. MaxResults or NextToken select token
// paging; otherwise PageNumber/PageSize apply. tokenOnly is for actions that know no page numbers.
func paginate(p params, n int, tokenOnly bool) (start, end int, info pageInfo, e *apiError) {
	return pager.Paginate(p.Params, n, tokenOnly)
}
