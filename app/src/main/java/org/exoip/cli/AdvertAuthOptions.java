package org.exoip.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.exoip.logging.Secrets;
import org.exoip.process.FileProblem;
import org.exoip.protocol.AdvertKeys;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The options of authenticated adverts, a picocli mixin of {@link ExoipCommand}: the key that
 * signs, and one more that is accepted during a key change. Each also comes from the variable named
 * in {@link EnvironmentDefaults}. A key file that cannot serve is a usage error naming its option.
 */
final class AdvertAuthOptions {

    static final String KEY_OPTION = "--auth-key-file";
    static final String ACCEPT_OPTION = "--auth-accept-key-file";
    /** A key file larger than this is not a key file. */
    static final int MAX_KEY_FILE = 4096;

    @Option(names = KEY_OPTION, paramLabel = "PATH",
            description = "With -W, sign adverts with the key in PATH (at least 32 bytes, not world-readable) "
                    + "and accept only adverts signed with it, each with a counter above the last from its sender; "
                    + "every peer needs the same key (env: IF_EXOIP_AUTH_KEY_FILE). Without it, adverts are the "
                    + "original's, unauthenticated.")
    Path keyFile;

    @Option(names = ACCEPT_OPTION, paramLabel = "PATH",
            description = "Also accept adverts signed with the key in PATH, without signing with it: to change "
                    + "keys one node at a time (env: IF_EXOIP_AUTH_ACCEPT_KEY_FILE). Needs " + KEY_OPTION + ".")
    Path acceptKeyFile;

    /**
     * Reads and checks the key files for watchdog mode; other modes send no adverts and ignore them.
     * The keys are registered as secrets, so that no log line can show them.
     *
     * @throws ParameterException naming the option when a file is missing, unreadable, empty, shorter
     *     than 32 bytes, larger than 4 KiB, or readable or writable by every user
     */
    Optional<AdvertKeys> keys(CommandLine cmd, Mode mode) {
        if (mode != Mode.WATCH) {
            return Optional.empty();
        }
        if (keyFile == null) {
            if (acceptKeyFile != null) {
                throw new ParameterException(cmd, ACCEPT_OPTION + " needs " + KEY_OPTION
                        + " (IF_EXOIP_AUTH_KEY_FILE): the key that signs this node's adverts");
            }
            return Optional.empty();
        }
        byte[] signing = read(cmd, KEY_OPTION, keyFile);
        List<byte[]> accepted = acceptKeyFile == null ? List.of() : List.of(read(cmd, ACCEPT_OPTION, acceptKeyFile));
        return Optional.of(new AdvertKeys(signing, accepted));
    }

    private static byte[] read(CommandLine cmd, String option, Path path) {
        try {
            byte[] key = KeyFile.read(path);
            // A text key (the usual, e.g. from 'openssl rand -hex 32') is masked should it reach a log line.
            Secrets.register(new String(key, StandardCharsets.UTF_8));
            return key;
        } catch (KeyFile.Refused e) {
            throw new ParameterException(cmd, "Invalid value for option '" + option + "': " + e.getMessage());
        }
    }

    /** The line these options add to {@code -n} and {@code -v}: the files, never a key. */
    String describe() {
        if (keyFile == null) {
            return "advert auth:        off (plain adverts, as the original)\n";
        }
        return "advert auth:        HMAC-SHA256, key " + keyFile
                + (acceptKeyFile == null ? "" : ", also accepting " + acceptKeyFile) + '\n';
    }

    /** Reads a key file: pure file checks, no picocli, so the messages are tested directly. */
    static final class KeyFile {

        private KeyFile() {
        }

        /**
         * The file's bytes without trailing line ends (an editor's final newline must not change the
         * key), after checking permissions, size and length. Messages name the file, never its content.
         */
        static byte[] read(Path path) throws Refused {
            Set<PosixFilePermission> permissions = permissions(path);
            if (permissions != null && (permissions.contains(PosixFilePermission.OTHERS_READ)
                    || permissions.contains(PosixFilePermission.OTHERS_WRITE))) {
                throw new Refused(path + " is " + (permissions.contains(PosixFilePermission.OTHERS_READ)
                        ? "readable" : "writable") + " by every user (mode " + PosixFilePermissions.toString(permissions)
                        + "; expected: no access for others, e.g. chmod 600 " + path + ")");
            }
            byte[] bytes;
            try {
                if (Files.size(path) > MAX_KEY_FILE) {
                    throw new Refused(path + " holds " + Files.size(path) + " bytes (expected: a key file of at most "
                            + MAX_KEY_FILE + " bytes)");
                }
                bytes = Files.readAllBytes(path);
            } catch (IOException e) {
                throw new Refused("cannot read " + path + ": " + FileProblem.reason(e));
            }
            int length = bytes.length;
            while (length > 0 && (bytes[length - 1] == '\n' || bytes[length - 1] == '\r')) {
                length--;
            }
            if (length == 0) {
                throw new Refused(path + " is empty (expected: a key of at least " + AdvertKeys.MIN_LENGTH
                        + " bytes, e.g. from 'openssl rand -hex 32')");
            }
            if (length < AdvertKeys.MIN_LENGTH) {
                throw new Refused(path + " holds a key of " + length + " bytes, too short (expected: at least "
                        + AdvertKeys.MIN_LENGTH + " bytes, e.g. from 'openssl rand -hex 32')");
            }
            byte[] key = Arrays.copyOf(bytes, length);
            Arrays.fill(bytes, (byte) 0);
            return key;
        }

        /** The file's POSIX permissions, or null where the file system has none. */
        private static Set<PosixFilePermission> permissions(Path path) throws Refused {
            if (Files.getFileAttributeView(path, PosixFileAttributeView.class) == null) {
                return null;
            }
            try {
                return Files.getPosixFilePermissions(path);
            } catch (NoSuchFileException e) {
                throw new Refused(path + " does not exist (expected: a key file of at least "
                        + AdvertKeys.MIN_LENGTH + " bytes)");
            } catch (IOException e) {
                throw new Refused("cannot read " + path + ": " + FileProblem.reason(e));
            }
        }

        /** Why a key file cannot serve; the message names the file, never its content. */
        static final class Refused extends Exception {
            private static final long serialVersionUID = 1L;

            Refused(String message) {
                super(message);
            }
        }
    }
}
