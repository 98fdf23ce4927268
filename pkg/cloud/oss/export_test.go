package oss

// BufferCounts tells tests how many part buffers c had in use at most, has in use now, and allocated.
func BufferCounts(c Client) (peak, inUse, made int64) {
	p := c.(*client).parts
	return p.peak.Load(), p.inUse.Load(), p.made.Load()
}
