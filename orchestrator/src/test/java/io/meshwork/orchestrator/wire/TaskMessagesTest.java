package io.meshwork.orchestrator.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshwork.compute.v1.ChunkReference;
import io.meshwork.compute.v1.ComputeTaskPacket;
import io.meshwork.content.Cid;
import io.meshwork.orchestrator.tasks.Chunk;
import io.meshwork.orchestrator.tasks.Limits;
import io.meshwork.orchestrator.tasks.TaskPacket;
import io.meshwork.orchestrator.tasks.VerificationMode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Task packets between domain and proto, a chunk reference with its prefix in particular. */
class TaskMessagesTest {
  @Test
  void aReferenceCarriesItsPrefixBesideTheRangeAndComesBackTheSame() {
    byte[] prefix = "needle\n".getBytes(StandardCharsets.UTF_8);
    String cid = Cid.of("needle\nthe range\n".getBytes(StandardCharsets.UTF_8));
    Chunk chunk = Chunk.stored("bafkreiblob", 100, 10, prefix, cid);
    TaskPacket packet =
        new TaskPacket(
            "j:3",
            "j",
            3,
            chunk,
            "bafkreimodule",
            null,
            0,
            1000,
            new Limits(1, 65_536, 1, 1, 1),
            5,
            VerificationMode.HASH,
            "execute",
            null);

    ComputeTaskPacket wire = TaskMessages.packet(packet);

    ChunkReference ref = wire.getChunkRef();
    // The range is the blob's alone; the CID is over what the module gets.
    assertEquals(100, ref.getOffset());
    assertEquals(10, ref.getLength());
    assertEquals(cid, ref.getChunkCid());
    assertArrayEquals(prefix, ref.getPrefix().toByteArray());
    Chunk back = TaskMessages.packet(wire).chunk();
    assertEquals(17, back.size());
    assertEquals(10, back.rangeLength());
    assertArrayEquals(prefix, back.prefix());
    assertEquals(cid, back.cid());
  }
}
