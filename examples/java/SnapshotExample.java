// SPDX-License-Identifier: Apache-2.0

import com.actionqueue.snapshot.v1.Snapshot;
import com.actionqueue.snapshot.v1.SnapshotTask;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.CRC32;

/**
 * Reads and writes aqsnap protobuf snapshot files with the official Java runtime (protobuf-java,
 * JsonFormat from protobuf-java-util). Build and run it as docs/LANGUAGES.md shows.
 *
 * <pre>
 *   SnapshotExample json FILE     print FILE's snapshot in the protobuf JSON mapping
 *   SnapshotExample edit IN OUT   read IN, set tasks[0].task_spec.metadata.description to
 *                                 "edited by Java", write OUT (unknown fields are kept)
 * </pre>
 *
 * <p>An aqsnap file is a 12-byte envelope around one serialized actionqueue.snapshot.v1.Snapshot:
 * u32 LE frame version 0x31505141 ("AQP1"), u32 LE payload length, u32 LE CRC-32 of the payload
 * (java.util.zip.CRC32), then the payload.
 *
 * <p>Exit status: 0 success, 1 the file is unreadable or not an aqsnap protobuf snapshot (the
 * message says why), 2 usage error.
 */
public final class SnapshotExample {
    private static final int FRAME_PROTOBUF = 0x31505141; // "AQP1" read as a little-endian u32
    private static final int FRAME_ENGINE_JSON = 4; // the engine's own JSON snapshot files
    private static final int HEADER_SIZE = 12;

    /** A file that is not a readable aqsnap protobuf snapshot; the message says why. */
    static final class SnapshotFileException extends Exception {
        private static final long serialVersionUID = 1L;

        SnapshotFileException(String message) {
            super(message);
        }
    }

    /** Checks the envelope of the file at path and parses its payload. */
    static Snapshot read(Path path) throws IOException, SnapshotFileException {
        byte[] data = Files.readAllBytes(path);
        if (data.length < HEADER_SIZE) {
            throw new SnapshotFileException(
                    data.length + " bytes: too short for the " + HEADER_SIZE + "-byte envelope");
        }
        ByteBuffer header = ByteBuffer.wrap(data, 0, HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        int frame = header.getInt();
        long length = Integer.toUnsignedLong(header.getInt());
        long crc = Integer.toUnsignedLong(header.getInt());
        int payloadSize = data.length - HEADER_SIZE;
        if (frame == FRAME_ENGINE_JSON) {
            throw new SnapshotFileException("an engine JSON snapshot (envelope version 4), not "
                    + "protobuf: convert it first with `aqsnap convert --to protobuf IN OUT`");
        }
        if (frame != FRAME_PROTOBUF) {
            throw new SnapshotFileException(String.format(
                    "unknown envelope version 0x%08x (expected 0x%08x, AQP1)", frame,
                    FRAME_PROTOBUF));
        }
        if (length != payloadSize) {
            throw new SnapshotFileException("the envelope announces " + length
                    + " payload bytes, the file holds " + payloadSize);
        }
        CRC32 actual = new CRC32();
        actual.update(data, HEADER_SIZE, payloadSize);
        if (actual.getValue() != crc) {
            throw new SnapshotFileException(String.format(
                    "CRC-32 mismatch: expected 0x%08x, actual 0x%08x", crc, actual.getValue()));
        }
        try {
            // Fields of a newer schema are kept as unknown fields and written back by
            // toByteArray().
            return Snapshot.parseFrom(ByteBuffer.wrap(data, HEADER_SIZE, payloadSize));
        } catch (InvalidProtocolBufferException e) {
            throw new SnapshotFileException(
                    "not a valid actionqueue.snapshot.v1.Snapshot: " + e.getMessage());
        }
    }

    /**
     * Serializes snap into the envelope at path. A real engine would write a temporary file,
     * fsync it and rename it over the old one; this example keeps to the format.
     */
    static void write(Path path, Snapshot snap) throws IOException {
        byte[] payload = snap.toByteArray();
        CRC32 crc = new CRC32();
        crc.update(payload);
        ByteBuffer out = ByteBuffer.allocate(HEADER_SIZE + payload.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(FRAME_PROTOBUF).putInt(payload.length).putInt((int) crc.getValue());
        out.put(payload);
        Files.write(path, out.array());
    }

    static Snapshot edit(Snapshot snap) throws SnapshotFileException {
        if (snap.getTasksCount() == 0) {
            throw new SnapshotFileException("the snapshot has no task to edit");
        }
        // Messages are immutable: change a copy through its builder.
        Snapshot.Builder builder = snap.toBuilder();
        SnapshotTask.Builder task = builder.getTasksBuilder(0);
        task.getTaskSpecBuilder().getMetadataBuilder().setDescription("edited by Java");
        return builder.build();
    }

    public static void main(String[] args) {
        boolean json = args.length == 2 && args[0].equals("json");
        boolean edit = args.length == 3 && args[0].equals("edit");
        if (!json && !edit) {
            System.err.println("usage: SnapshotExample json FILE | SnapshotExample edit IN OUT");
            System.exit(2);
        }
        String current = args[1];
        try {
            Snapshot snap = read(Path.of(current));
            if (json) {
                // Proto2 fields have presence: the printer emits every field that is set (zero
                // or not) and leaves out the ones that are not. includingDefaultValueFields()
                // would print those with invented default values.
                System.out.println(JsonFormat.printer().preservingProtoFieldNames().print(snap));
            } else {
                Snapshot edited = edit(snap);
                current = args[2];
                write(Path.of(current), edited);
            }
        } catch (NoSuchFileException e) {
            fail(current, "no such file or directory");
        } catch (IOException | SnapshotFileException e) {
            fail(current, e.getMessage());
        }
    }

    private static void fail(String path, String message) {
        System.err.println("SnapshotExample: " + path + ": " + message);
        System.exit(1);
    }
}
