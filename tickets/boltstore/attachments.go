package boltstore

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/triagebot/triagebot/tickets"
	"github.com/triagebot/triagebot/tickets/internal/record"
)

// PutAttachment stores a file's metadata and bytes in this transaction, so
// a crash cannot leave metadata without bytes or bytes without an owner.
// owner must be an existing ticket id or conversation id. A zero a.ID gets
// a random one; a.Size is set from data; files over
// tickets.MaxAttachmentSize are refused with ErrInvalid before anything is written.
func (x *tx) PutAttachment(a *tickets.Attachment, owner string, data []byte) error {
	if len(data) > tickets.MaxAttachmentSize {
		return fmt.Errorf("put attachment: %d bytes, limit %d: %w", len(data), tickets.MaxAttachmentSize, tickets.ErrInvalid)
	}
	if err := checkOwner(x.tx, owner); err != nil {
		return fmt.Errorf("put attachment: %w", err)
	}
	if a.ID == "" {
		a.ID = tickets.NewAttachmentID()
	}
	meta := x.tx.Bucket(bucketAttachments)
	if meta.Get([]byte(a.ID)) != nil {
		return fmt.Errorf("put attachment %s: id taken: %w", a.ID, tickets.ErrConflict)
	}
	a.Size = int64(len(data))
	if a.CreatedAt.IsZero() {
		a.CreatedAt = x.now()
	}
	rec := record.FromAttachment(a, owner)
	v, err := record.Encode(&rec)
	if err != nil {
		return fmt.Errorf("put attachment %s: %w", a.ID, err)
	}
	if err := meta.Put([]byte(a.ID), v); err != nil {
		return fmt.Errorf("put attachment %s: %w", a.ID, err)
	}
	// bbolt keeps a reference to the value until commit; data belongs to
	// the caller, who may reuse its buffer once we return.
	if err := x.tx.Bucket(bucketAttachData).Put([]byte(a.ID), bytes.Clone(data)); err != nil {
		return fmt.Errorf("put attachment %s: %w", a.ID, err)
	}
	if err := x.tx.Bucket(bucketIdxOwner).Put(ownerKey(owner, a.ID), nil); err != nil {
		return fmt.Errorf("put attachment %s: %w", a.ID, err)
	}
	return nil
}

// deleteAttachment removes a file's metadata, bytes and owner entry.
func deleteAttachment(btx *bolt.Tx, owner, id string) error {
	for _, d := range []struct{ bucket, key []byte }{
		{bucketAttachments, []byte(id)},
		{bucketAttachData, []byte(id)},
		{bucketIdxOwner, ownerKey(owner, id)},
	} {
		if err := btx.Bucket(d.bucket).Delete(d.key); err != nil {
			return fmt.Errorf("delete attachment %s: %w", id, err)
		}
	}
	return nil
}

// checkOwner makes sure an attachment is owned by something that exists.
func checkOwner(btx *bolt.Tx, owner string) error {
	if owner == "" {
		return fmt.Errorf("no owner: %w", tickets.ErrInvalid)
	}
	if seq, ok := record.ParseTicketID(owner); ok && btx.Bucket(bucketTickets).Get(be64(seq)) != nil {
		return nil
	}
	if btx.Bucket(bucketConversations).Get([]byte(owner)) != nil {
		return nil
	}
	return fmt.Errorf("owner %q is neither a ticket nor a conversation: %w", owner, tickets.ErrNotFound)
}

// AttachmentData returns a file's metadata and a copy of its bytes.
func (x *tx) AttachmentData(id string) (tickets.Attachment, []byte, error) {
	var v []byte
	if id != "" {
		v = x.tx.Bucket(bucketAttachments).Get([]byte(id))
	}
	if v == nil {
		return tickets.Attachment{}, nil, fmt.Errorf("attachment %q: %w", id, tickets.ErrNotFound)
	}
	var rec record.Attachment
	if err := record.Decode(v, &rec); err != nil {
		return tickets.Attachment{}, nil, fmt.Errorf("attachment %q: %w", id, err)
	}
	data := x.tx.Bucket(bucketAttachData).Get([]byte(id))
	if data == nil {
		return tickets.Attachment{}, nil, fmt.Errorf("attachment %q: bytes missing: %w", id, tickets.ErrNotFound)
	}
	// Get's slice points into the memory map, which is unmapped or reused
	// after the transaction; the caller gets its own copy.
	return rec.Attachment(), bytes.Clone(data), nil
}
