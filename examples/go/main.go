// SPDX-License-Identifier: Apache-2.0

// Command snapshot-example reads and writes aqsnap protobuf snapshot files with the official Go
// runtime (google.golang.org/protobuf). Build and run it as docs/LANGUAGES.md shows.
//
//	snapshot-example json FILE     print FILE's snapshot in the protobuf JSON mapping
//	snapshot-example edit IN OUT   read IN, set tasks[0].task_spec.payload.content_type to
//	                               "text/plain", write OUT (fields this schema does not know
//	                               are kept)
//
// An aqsnap file is a 12-byte envelope around one serialized actionqueue.snapshot.v1.Snapshot:
// u32 LE frame version 0x31505141 ("AQP1"), u32 LE payload length, u32 LE CRC-32 (IEEE, as
// zlib computes it) of the payload, then the payload.
//
// Exit status: 0 success, 1 the file is unreadable or not an aqsnap protobuf snapshot (the
// message says why), 2 usage error.
package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"

	snapshotv1 "actionqueue/snapshot/v1"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

const (
	frameProtobuf   = 0x31505141 // "AQP1" read as a little-endian u32
	frameEngineJSON = 4          // the engine's own JSON snapshot files
	headerSize      = 12
)

// readSnapshot checks the envelope of the file at path and parses its payload. Fields of a
// newer schema are kept as unknown fields and written back by proto.Marshal.
func readSnapshot(path string) (*snapshotv1.Snapshot, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) < headerSize {
		return nil, fmt.Errorf("%d bytes: too short for the %d-byte envelope", len(data), headerSize)
	}
	frame := binary.LittleEndian.Uint32(data[0:4])
	length := binary.LittleEndian.Uint32(data[4:8])
	crc := binary.LittleEndian.Uint32(data[8:12])
	payload := data[headerSize:]
	switch {
	case frame == frameEngineJSON:
		return nil, errors.New("an engine JSON snapshot (envelope version 4), not protobuf: " +
			"convert it first with `aqsnap convert --to protobuf IN OUT`")
	case frame != frameProtobuf:
		return nil, fmt.Errorf("unknown envelope version 0x%08x (expected 0x%08x, AQP1)",
			frame, frameProtobuf)
	case uint64(length) != uint64(len(payload)):
		return nil, fmt.Errorf("the envelope announces %d payload bytes, the file holds %d",
			length, len(payload))
	}
	if actual := crc32.ChecksumIEEE(payload); actual != crc {
		return nil, fmt.Errorf("CRC-32 mismatch: expected 0x%08x, actual 0x%08x", crc, actual)
	}
	snap := &snapshotv1.Snapshot{}
	if err := proto.Unmarshal(payload, snap); err != nil {
		return nil, fmt.Errorf("not a valid actionqueue.snapshot.v1.Snapshot: %v", err)
	}
	return snap, nil
}

// writeSnapshot serializes snap into the envelope at path. A real engine would write a temporary
// file, fsync it and rename it over the old one; this example keeps to the format.
func writeSnapshot(path string, snap *snapshotv1.Snapshot) error {
	payload, err := proto.Marshal(snap)
	if err != nil {
		return err
	}
	out := make([]byte, headerSize, headerSize+len(payload))
	binary.LittleEndian.PutUint32(out[0:4], frameProtobuf)
	binary.LittleEndian.PutUint32(out[4:8], uint32(len(payload)))
	binary.LittleEndian.PutUint32(out[8:12], crc32.ChecksumIEEE(payload))
	return os.WriteFile(path, append(out, payload...), 0o644)
}

func printJSON(snap *snapshotv1.Snapshot) error {
	// Proto2 fields have presence: the printer emits every field that is set (zero or not) and
	// leaves out the ones that are not. EmitUnpopulated would print those as null.
	text, err := protojson.MarshalOptions{Multiline: true, UseProtoNames: true}.Marshal(snap)
	if err != nil {
		return err
	}
	_, err = fmt.Printf("%s\n", text)
	return err
}

func edit(snap *snapshotv1.Snapshot) error {
	if len(snap.Tasks) == 0 {
		return errors.New("the snapshot has no task to edit")
	}
	spec := snap.Tasks[0].GetTaskSpec()
	if spec == nil || spec.Payload == nil {
		return errors.New("tasks[0] has no task_spec.payload")
	}
	// Optional proto2 scalars are pointers in Go: nil means absent.
	spec.Payload.ContentType = proto.String("text/plain")
	return nil
}

func run(args []string) error {
	switch {
	case len(args) == 2 && args[0] == "json":
		snap, err := readSnapshot(args[1])
		if err != nil {
			return annotate(args[1], err)
		}
		return printJSON(snap)
	case len(args) == 3 && args[0] == "edit":
		snap, err := readSnapshot(args[1])
		if err == nil {
			err = edit(snap)
		}
		if err != nil {
			return annotate(args[1], err)
		}
		return annotate(args[2], writeSnapshot(args[2], snap))
	}
	return errUsage
}

// annotate prefixes err with the file it concerns, the way the other examples report errors.
func annotate(path string, err error) error {
	if err == nil {
		return nil
	}
	var pathErr *os.PathError
	if errors.As(err, &pathErr) {
		err = pathErr.Err // os errors already name the path
	}
	return fmt.Errorf("%s: %w", path, err)
}

var errUsage = errors.New("usage: snapshot-example json FILE | snapshot-example edit IN OUT")

func main() {
	switch err := run(os.Args[1:]); {
	case err == errUsage:
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	case err != nil:
		fmt.Fprintf(os.Stderr, "snapshot-example: %v\n", err)
		os.Exit(1)
	}
}
