/*
 * The simulator's hook-tool client, like Juju's jujuc: one executable linked under every tool name.
 * It forwards its name, arguments and stdin to the context server named by JUJU_AGENT_SOCKET_ADDRESS
 * and replays the answer (stdout, stderr, exit code). Framing: big-endian u32 lengths.
 *   request:  u32 n, then n fields (u32 len + bytes): context id, cwd, tool, stdin, args...
 *   response: u32 exit code, u32 len + stdout, u32 len + stderr
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int fail(const char *message) {
  fprintf(stderr, "ERROR %s\n", message);
  return 1;
}

static int write_all(int fd, const void *data, size_t len) {
  const char *p = data;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static int read_all(int fd, void *data, size_t len) {
  char *p = data;
  while (len > 0) {
    ssize_t n = read(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static int write_u32(int fd, uint32_t value) {
  unsigned char b[4] = {value >> 24, value >> 16, value >> 8, value};
  return write_all(fd, b, 4);
}

static int read_u32(int fd, uint32_t *value) {
  unsigned char b[4];
  if (read_all(fd, b, 4) < 0) return -1;
  *value = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
  return 0;
}

static int write_field(int fd, const char *data, size_t len) {
  return write_u32(fd, (uint32_t)len) < 0 ? -1 : write_all(fd, data, len);
}

static char *read_stdin(size_t *len) {
  size_t cap = 4096, used = 0;
  char *buf = malloc(cap);
  if (isatty(STDIN_FILENO)) { *len = 0; return buf; }
  for (;;) {
    if (used == cap) buf = realloc(buf, cap *= 2);
    ssize_t n = read(STDIN_FILENO, buf + used, cap - used);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    used += (size_t)n;
  }
  *len = used;
  return buf;
}

static int relay(int fd, int out) {
  uint32_t len;
  if (read_u32(fd, &len) < 0) return -1;
  char *buf = malloc(len ? len : 1);
  if (read_all(fd, buf, len) < 0) { free(buf); return -1; }
  int rc = write_all(out, buf, len);
  free(buf);
  return rc;
}

int main(int argc, char **argv) {
  const char *socket_path = getenv("JUJU_AGENT_SOCKET_ADDRESS");
  const char *context = getenv("JUJU_CONTEXT_ID");
  if (!socket_path || !context) return fail("JUJU_AGENT_SOCKET_ADDRESS and JUJU_CONTEXT_ID must be set: not running in a hook");
  const char *tool = strrchr(argv[0], '/');
  tool = tool ? tool + 1 : argv[0];

  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(socket_path) >= sizeof addr.sun_path) return fail("socket path too long");
  strcpy(addr.sun_path, socket_path);
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) return fail("cannot connect to hook context server");

  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) cwd[0] = '\0';
  size_t stdin_len;
  char *stdin_data = read_stdin(&stdin_len);
  int bad = write_u32(fd, (uint32_t)(argc + 3)) < 0 || write_field(fd, context, strlen(context)) < 0 ||
            write_field(fd, cwd, strlen(cwd)) < 0 || write_field(fd, tool, strlen(tool)) < 0 ||
            write_field(fd, stdin_data, stdin_len) < 0;
  for (int i = 1; !bad && i < argc; i++) bad = write_field(fd, argv[i], strlen(argv[i])) < 0;
  free(stdin_data);
  if (bad) return fail("cannot send request to hook context server");

  uint32_t code;
  if (read_u32(fd, &code) < 0 || relay(fd, STDOUT_FILENO) < 0 || relay(fd, STDERR_FILENO) < 0) {
    return fail("hook context server closed the connection");
  }
  close(fd);
  return (int)code;
}
