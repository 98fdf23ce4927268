package hbr

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/internal/clocktest"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/credentials"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/internal/acs"
)

type noCreds struct{}

func (noCreds) Credentials(context.Context) (credentials.Credentials, error) {
	return credentials.Credentials{}, nil
}

// fakeService is a stateful stand-in for HBR's jobs: create makes a job unless told to fail, and may
// lose its answer after making it.
type fakeService struct {
	jobs        []string
	createErrs  []error // errors of the next creations, in order; a lost answer still makes the job
	creates     int
	findErr     error
	lostAnswers int
}

func (f *fakeService) find() (string, error) {
	if f.findErr != nil {
		return "", f.findErr
	}
	if len(f.jobs) == 0 {
		return "", &cloud.Error{Service: "hbr", Operation: "DescribeBackupJobs2", Kind: cloud.ErrNotFound}
	}
	return f.jobs[0], nil
}

func (f *fakeService) create() (string, error) {
	f.creates++
	if len(f.createErrs) > 0 {
		err := f.createErrs[0]
		f.createErrs = f.createErrs[1:]
		if err == errLost {
			f.jobs = append(f.jobs, "job-lost")
			return "", &cloud.Error{Service: "hbr", Operation: "CreateBackupJob", Kind: cloud.ErrUnavailable, Message: "connection reset"}
		}
		return "", err
	}
	id := "job-made"
	f.jobs = append(f.jobs, id)
	return id, nil
}

var (
	errLost    = &cloud.Error{Kind: cloud.ErrUnavailable, Message: "lost after the job was made"}
	errRefused = &cloud.Error{Service: "hbr", Operation: "CreateBackupJob", Kind: cloud.ErrInvalid, Code: "InvalidParameter"}
	err5xx     = &cloud.Error{Service: "hbr", Operation: "CreateBackupJob", Kind: cloud.ErrUnavailable, Status: 503}
)

func TestEnsureCreatesAtMostOnce(t *testing.T) {
	tests := []struct {
		name        string
		service     fakeService
		wantID      string
		wantKind    error
		wantCreates int
		wantJobs    int
	}{
		{name: "made before a restart: found, not made again", service: fakeService{jobs: []string{"job-old"}}, wantID: "job-old", wantJobs: 1},
		{name: "nothing yet: made", wantID: "job-made", wantCreates: 1, wantJobs: 1},
		{name: "answer lost after the job was made: found", service: fakeService{createErrs: []error{errLost}}, wantID: "job-lost", wantCreates: 1, wantJobs: 1},
		{name: "5xx before anything was made: made on the next attempt", service: fakeService{createErrs: []error{err5xx}}, wantID: "job-made", wantCreates: 2, wantJobs: 1},
		{name: "refused: not repeated", service: fakeService{createErrs: []error{errRefused}}, wantKind: cloud.ErrInvalid, wantCreates: 1},
		{name: "lookup fails: nothing made", service: fakeService{findErr: &cloud.Error{Kind: cloud.ErrDenied}}, wantKind: cloud.ErrDenied},
		{name: "unavailable every time: gives up", service: fakeService{createErrs: []error{err5xx, err5xx, err5xx}}, wantKind: cloud.ErrUnavailable, wantCreates: acs.LostAttempts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clocktest.Stepping(t, time.Unix(0, 0), time.Second, nil)
			c, err := New(Config{Credentials: noCreds{}, Clock: clk})
			assert.NoError(t, err)
			svc := tt.service
			id, err := ensure(context.Background(), c.(*client), "CreateBackupJob", nil, svc.find, svc.create)
			if tt.wantKind != nil {
				assert.ErrorIs(t, err, tt.wantKind)
			} else if assert.NoError(t, err) {
				assert.Equal(t, tt.wantID, id)
			}
			assert.Equal(t, tt.wantCreates, svc.creates, "creations")
			assert.Len(t, svc.jobs, tt.wantJobs, "jobs")
		})
	}
}
