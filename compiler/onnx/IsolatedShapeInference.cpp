//===- IsolatedShapeInference.cpp - ONNX shape inference in a child -------===//
//
// Part of patc. Compiled with -fexceptions (see compiler/CMakeLists.txt).
//
//===----------------------------------------------------------------------===//

#include "compiler/onnx/IsolatedShapeInference.h"
#include "compiler/onnx/OnnxLoader.h"
#include "onnx/shape_inference/implementation.h"
#include <cerrno>
#include <csignal>
#include <cstring>
#include <sys/wait.h>
#include <unistd.h>

namespace pat {
namespace {

bool writeAll(int fd, const std::string &data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += size_t(n);
  }
  return true;
}

/// The child: shape inference on `model` cut to its first `keepNodes`
/// nodes (all when negative). It writes '0' and what inference wrote into
/// the graph (a GraphProto of just its value_info and outputs: not the
/// weights, which the parent has), or '1' and the exception's message, to
/// `fd`, and exits.
[[noreturn]] void childMain(onnx::ModelProto &model, int keepNodes, int fd) {
  // The child has its own copy of the parent's memory: cutting `model`
  // here leaves the parent's intact.
  // A crash is the parent's to report; LLVM's handlers would print a stack
  // dump for it.
  for (int sig : {SIGSEGV, SIGFPE, SIGBUS, SIGILL, SIGABRT})
    std::signal(sig, SIG_DFL);
  auto *nodes = model.mutable_graph()->mutable_node();
  if (keepNodes >= 0 && keepNodes < nodes->size())
    nodes->DeleteSubrange(keepNodes, nodes->size() - keepNodes);
  std::string out;
  try {
    onnx::shape_inference::InferShapes(model);
    out = "0";
    if (keepNodes < 0) {
      onnx::GraphProto inferred;
      inferred.mutable_value_info()->Swap(
          model.mutable_graph()->mutable_value_info());
      inferred.mutable_output()->Swap(model.mutable_graph()->mutable_output());
      std::string bytes;
      inferred.SerializeToString(&bytes);
      out += bytes;
    }
  } catch (const std::exception &e) {
    out = std::string("1") + e.what();
  }
  _exit(writeAll(fd, out) ? 0 : 1);
}

/// Runs childMain in a forked child; `output` gets what it wrote. Returns
/// the child's wait status, or -1 (errno set) when the child could not be
/// started.
int runChild(onnx::ModelProto &model, int keepNodes, std::string &output) {
  int fds[2];
  if (pipe(fds) != 0)
    return -1;
  pid_t pid = fork();
  if (pid < 0) {
    int saved = errno;
    close(fds[0]);
    close(fds[1]);
    errno = saved;
    return -1;
  }
  if (pid == 0) {
    close(fds[0]);
    childMain(model, keepNodes, fds[1]);
  }
  close(fds[1]);
  output.clear();
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    output.append(buffer, size_t(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  return status;
}

} // namespace

bool inferShapesIsolated(onnx::ModelProto &model, std::string &error) {
  std::string output;
  int status = runChild(model, -1, output);
  if (status == -1) {
    error = std::string("cannot start ONNX shape inference: ") +
            std::strerror(errno);
    return false;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !output.empty()) {
    if (output[0] == '1') {
      error = "ONNX shape inference failed: " + output.substr(1);
      return false;
    }
    onnx::GraphProto inferred;
    if (!inferred.ParseFromArray(output.data() + 1, int(output.size() - 1))) {
      error = "ONNX shape inference returned an unreadable result";
      return false;
    }
    onnx::GraphProto *graph = model.mutable_graph();
    graph->mutable_value_info()->Swap(inferred.mutable_value_info());
    graph->mutable_output()->Swap(inferred.mutable_output());
    return true;
  }
  if (!WIFSIGNALED(status)) {
    error = "ONNX shape inference exited without a result";
    return false;
  }
  // Crashed: the shortest prefix of the graph that still crashes ends at
  // the culprit (inference runs the nodes in order).
  int lo = 0, hi = model.graph().node_size();
  while (hi - lo > 1) {
    int mid = lo + (hi - lo) / 2;
    int s = runChild(model, mid, output);
    if (s != -1 && WIFSIGNALED(s))
      hi = mid;
    else
      lo = mid;
  }
  std::string where = "the model";
  if (hi >= 1 && hi <= model.graph().node_size()) {
    const onnx::NodeProto &node = model.graph().node(hi - 1);
    where = "node '" + nodeLabel(node) + "' (" + node.op_type() + ")";
  }
  error = "ONNX shape inference (libonnx) crashed with signal " +
          std::to_string(WTERMSIG(status)) + " on " + where +
          ": its inputs do not fit the operator (e.g. an input with fewer "
          "dimensions than the operator needs)";
  return false;
}

} // namespace pat
