package boltstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/internal/record"
)

// Buckets. Each holds one kind of record or one index; see README.
var (
	bucketMeta          = []byte("meta")            // schema version
	bucketTickets       = []byte("tickets")         // seq → record.Ticket
	bucketIdxAll        = []byte("ix_all")          // rank|created|seq → ""
	bucketIdxStatus     = []byte("ix_status")       // status|rank|created|seq → ""
	bucketIdxQueue      = []byte("ix_queue")        // queue|rank|created|seq → ""
	bucketIdxQueueState = []byte("ix_queue_status") // queue|status|rank|created|seq → ""
	bucketIdxUser       = []byte("ix_user")         // channel|userID|seq → ""
	bucketCounts        = []byte("counts")          // status|queue|priority → count
	bucketAttachments   = []byte("attachments")     // id → record.Attachment
	bucketAttachData    = []byte("attachment_data") // id → file bytes
	bucketConversations = []byte("conversations")   // id → record.Conversation
	bucketConvResume    = []byte("conv_resume")     // sha256(resume key) → conversation id
	bucketOutbox        = []byte("outbox")          // convID|seq → record.Message
	bucketOutboxSeq     = []byte("outbox_seq")      // convID → last seq assigned
	bucketPending       = []byte("pending")         // channel|convID → ""
	bucketAgents        = []byte("agents")          // name → record.Agent
	bucketAgentTokens   = []byte("agent_tokens")    // sha256(token) → name
	bucketSeen          = []byte("seen")            // key → first seen (unix seconds)
	bucketKV            = []byte("kv")              // Meta/SetMeta values, channel cursors
	bucketEvents        = []byte("events")          // seq → record.Event (the agents' stream)
	bucketSearch        = []byte("ix_search")       // gram|seq → "" (search postings)
	bucketSearchKey     = []byte("ix_search_key")   // exact key|seq → "" (transaction and user ids)
	bucketSearchDoc     = []byte("search_doc")      // seq → searchDoc (what filters read)
	bucketChoices       = []byte("choices")         // convID|seq → quick-reply labels
	bucketNotices       = []byte("notices")         // rank|seq → record.Notice (to send to agents)

	// Retention (retention.go). The ix_ buckets are indexes by age, so a
	// sweep seeks to the oldest entries instead of scanning records.
	bucketArchive     = []byte("transcript_archive") // seq|index → record.Entry, append-only
	bucketIdxIdle     = []byte("ix_conv_idle")       // updated|convID → "" (conversations that never had a ticket)
	bucketIdxOwner    = []byte("ix_attach_owner")    // owner|attachmentID → ""
	bucketIdxSeen     = []byte("ix_seen_at")         // unix seconds|key → ""
	bucketIdxResolved = []byte("ix_resolved")        // resolved|seq → "" (resolved, not yet purged)

	keySchema = []byte("schema_version")
	// keyRetentionIndexes marks a file whose retention indexes are built;
	// a file from before them gets them built once at Open.
	keyRetentionIndexes = []byte("retention_indexes")

	allBuckets = [][]byte{
		bucketMeta, bucketTickets, bucketIdxAll, bucketIdxStatus, bucketIdxQueue,
		bucketIdxQueueState, bucketIdxUser, bucketCounts, bucketAttachments,
		bucketAttachData, bucketConversations, bucketConvResume, bucketOutbox, bucketOutboxSeq,
		bucketPending, bucketAgents, bucketAgentTokens, bucketSeen, bucketKV,
		bucketArchive, bucketIdxIdle, bucketIdxOwner, bucketIdxSeen, bucketIdxResolved,
		bucketEvents, bucketSearch, bucketSearchKey, bucketSearchDoc,
		bucketChoices, bucketNotices,
	}
)

// be64 encodes v big-endian so byte order equals numeric order.
func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// u64 decodes be64; callers check the length.
func u64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

// appendString appends s length-prefixed. The prefix makes the encoding
// prefix-free: the key part for queue "a" is never a prefix of the one for
// queue "ab", so a cursor walk over one queue never strays into another.
func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// readString decodes appendString, returning the rest of b.
func readString(b []byte) (string, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return "", nil, fmt.Errorf("corrupt key part %x", b)
	}
	return string(b[k : k+int(n)]), b[k+int(n):], nil
}

// appendTime appends t so that byte order is time order: seconds with the
// sign bit flipped (times before 1970 still sort first), then nanoseconds.
func appendTime(dst []byte, t time.Time) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(t.Unix())^(1<<63))
	return binary.BigEndian.AppendUint32(dst, uint32(t.Nanosecond()))
}

// indexSuffix is the ordering part shared by the queue-view indexes: most
// urgent first, then oldest, then creation order to break ties.
func indexSuffix(dst []byte, r *record.Ticket) []byte {
	dst = append(dst, byte(tickets.Priority(r.Priority).Rank()))
	dst = appendTime(dst, r.CreatedAt)
	return binary.BigEndian.AppendUint64(dst, r.Seq)
}

// userKey is the ix_user key of a ticket.
func userKey(r *record.Ticket) []byte {
	k := appendString(nil, r.Channel)
	k = appendString(k, r.User.ID)
	return binary.BigEndian.AppendUint64(k, r.Seq)
}

// countKey groups tickets for CountTickets.
func countKey(r *record.Ticket) []byte {
	k := appendString(nil, r.Status)
	k = appendString(k, r.Queue)
	return appendString(k, r.Priority)
}

// outboxKey is the outbox key of message seq of a conversation.
func outboxKey(convID string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(appendString(nil, convID), seq)
}

// idleKey is the ix_conv_idle key of a conversation last active at t.
func idleKey(t time.Time, convID string) []byte {
	return appendString(appendTime(nil, t), convID)
}

// ownerKey is the ix_attach_owner key of an attachment.
func ownerKey(owner, id string) []byte {
	return appendString(appendString(nil, owner), id)
}

// seenKey is the ix_seen_at key of a Seen key recorded at unix second at.
func seenKey(at uint64, key string) []byte {
	return append(be64(at), key...)
}

// resolvedKey is the ix_resolved key of a ticket.
func resolvedKey(r *record.Ticket) []byte {
	return binary.BigEndian.AppendUint64(appendTime(nil, r.ResolvedAt), r.Seq)
}

// archiveKey is the transcript_archive key of entry i of ticket seq.
func archiveKey(seq, i uint64) []byte {
	return binary.BigEndian.AppendUint64(be64(seq), i)
}

// pendingKey is the pending-index key of a conversation.
func pendingKey(ch tickets.Channel, convID string) []byte {
	return appendString(appendString(nil, string(ch)), convID)
}

// hasPrefix is bytes.HasPrefix, named for the cursor loops that use it.
func hasPrefix(k, prefix []byte) bool { return k != nil && bytes.HasPrefix(k, prefix) }
