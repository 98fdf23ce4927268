package transform

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPVReplacementsRecordsAcrossGoroutines(t *testing.T) {
	replaced := NewPVReplacements()
	_, ok := replaced.Replaced("pv-0")
	assert.False(t, ok)

	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replaced.Record(fmt.Sprintf("pv-%d", i), fmt.Sprintf("reason %d", i))
			replaced.Replaced("pv-0")
		}()
	}
	wg.Wait()
	for i := range 50 {
		reason, ok := replaced.Replaced(fmt.Sprintf("pv-%d", i))
		assert.True(t, ok)
		assert.Equal(t, fmt.Sprintf("reason %d", i), reason)
	}
}
