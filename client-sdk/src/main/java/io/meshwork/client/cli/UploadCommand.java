package io.meshwork.client.cli;

import io.meshwork.client.Blob;
import io.meshwork.client.MeshClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code meshwork upload}: stores a file as a blob and prints its CID and size, for {@code submit
 * --input-cid}. Run again after an interruption, it continues where the mesh stopped receiving.
 */
@Command(
    name = "upload",
    description =
        "Upload a file as a blob and print its CID and size; run it again after an interruption"
            + " to continue where it stopped.")
final class UploadCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "The file to upload.")
  private Path file;

  @Override
  public Integer call() {
    MeshCli cli = MeshCli.from(spec);
    requireFile(spec, file, "FILE");
    try (MeshClient mesh = cli.connect()) {
      Blob blob = upload(cli, mesh, file);
      if (cli.json()) {
        Map<String, Object> json = Json.object();
        json.put("cid", blob.cid());
        json.put("size", blob.size());
        json.put("file", file.toString());
        cli.out().println(Json.write(json));
      } else {
        cli.out().println(blob.cid() + " " + blob.size() + " bytes");
      }
      return 0;
    }
  }

  /** Uploads {@code file}, showing its progress on standard error. */
  static Blob upload(MeshCli cli, MeshClient mesh, Path file) {
    TransferProgressView progress =
        new TransferProgressView(cli.progressLine(), String.valueOf(file.getFileName()));
    Blob blob;
    try {
      blob = mesh.upload(file, progress);
    } catch (RuntimeException e) {
      progress.stop();
      throw e;
    }
    progress.done(blob);
    return blob;
  }

  /** Refuses, as bad usage, a file that is not there or not a regular file. */
  static void requireFile(CommandSpec spec, Path file, String option) {
    if (!Files.exists(file)) {
      throw new ParameterException(spec.commandLine(), option + ": no such file: " + file);
    }
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new ParameterException(spec.commandLine(), option + ": not a readable file: " + file);
    }
  }
}
