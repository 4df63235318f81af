// Package storebench holds the benchmarks that put the stores side by
// side: the same storetest benchmark, fsync on, on a bbolt file and on a
// PostgreSQL database (when TRIAGEBOT_TEST_POSTGRES names a server), so
// docs/performance.md can compare like with like. It has no code of its
// own; run it with
//
//	go test -run '^$' -bench . ./tickets/storebench
package storebench
