package acs

import (
	"testing"

	ecssdk "github.com/alibabacloud-go/ecs-20140526/v4/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/assert"
)

func TestSplitEndpoint(t *testing.T) {
	for in, want := range map[string][2]string{
		"ecs.cn-beijing.aliyuncs.com":              {"ecs.cn-beijing.aliyuncs.com", "HTTPS"},
		"https://ecs-vpc.cn-hangzhou.aliyuncs.com": {"ecs-vpc.cn-hangzhou.aliyuncs.com", "HTTPS"},
		"http://127.0.0.1:9400":                    {"127.0.0.1:9400", "HTTP"},
		"http://127.0.0.1:9400/":                   {"127.0.0.1:9400", "HTTP"},
	} {
		host, protocol, err := SplitEndpoint("ecs", in)
		assert.NoError(t, err, in)
		assert.Equal(t, want, [2]string{host, protocol}, in)
	}
	for _, bad := range []string{"ftp://x", "http://", "http://h/path", "://x"} {
		_, _, err := SplitEndpoint("ecs", bad)
		assert.Error(t, err, bad)
	}
}

func TestRequestIDOfAnAnswer(t *testing.T) {
	var none *ecssdk.CreateDiskResponse
	for name, tc := range map[string]struct {
		answer any
		want   string
	}{
		"no answer":         {none, ""},
		"answer, no body":   {&ecssdk.CreateDiskResponse{}, ""},
		"body, no ID":       {&ecssdk.CreateDiskResponse{Body: &ecssdk.CreateDiskResponseBody{}}, ""},
		"create disk":       {&ecssdk.CreateDiskResponse{Body: &ecssdk.CreateDiskResponseBody{RequestId: tea.String("req-1")}}, "req-1"},
		"describe zones":    {&ecssdk.DescribeZonesResponse{Body: &ecssdk.DescribeZonesResponseBody{RequestId: tea.String("req-2")}}, "req-2"},
		"not an SDK answer": {"answer", ""},
	} {
		assert.Equal(t, tc.want, RequestID(tc.answer), name)
	}
}
