//===- ScheduleFile.cpp - Per-layer schedules as JSON files -----*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#include "compiler/driver/ScheduleFile.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace llvm;

namespace pat {

static constexpr int64_t kScheduleVersion = 1;

bool writeScheduleFile(const std::string &path, const std::string &targetName,
                       const EmittedModel &model, std::string &error) {
  json::Array layers;
  for (const auto &[layer, emitted] : model.emitted)
    layers.push_back(json::Object{{"layer", layer},
                                  {"op", emitted.op},
                                  {"shape", emitted.shape},
                                  {"schedule", emitted.schedule.describe()}});
  json::Object root{{"patc_schedule", kScheduleVersion},
                    {"target", targetName},
                    {"layers", std::move(layers)}};
  std::error_code ec;
  ToolOutputFile file(path, ec, sys::fs::OF_Text);
  if (ec) {
    error = "cannot write '" + path + "': " + ec.message();
    return false;
  }
  file.os() << formatv("{0:2}", json::Value(std::move(root))) << "\n";
  file.keep();
  return true;
}

bool readScheduleFile(const std::string &path, const std::string &targetName,
                      std::map<int64_t, ScheduleRequest> &schedules,
                      std::string &error) {
  auto buffer = MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer) {
    error = "cannot read '" + path + "': " + buffer.getError().message();
    return false;
  }
  auto fail = [&](const Twine &what) {
    error = path + ": " + what.str();
    return false;
  };
  Expected<json::Value> parsed = json::parse((*buffer)->getBuffer());
  if (!parsed)
    return fail("not JSON: " + toString(parsed.takeError()));
  const json::Object *root = parsed->getAsObject();
  if (!root || root->getInteger("patc_schedule") != kScheduleVersion)
    return fail("not a patc schedule file (version " +
                Twine(kScheduleVersion) + ")");
  std::optional<StringRef> target = root->getString("target");
  if (!target || *target != targetName)
    return fail("written for target '" + (target ? *target : "?") +
                "', but this build is for '" + targetName + "'");
  const json::Array *layers = root->getArray("layers");
  if (!layers)
    return fail("no \"layers\" array");
  schedules.clear();
  for (const json::Value &v : *layers) {
    const json::Object *entry = v.getAsObject();
    std::optional<int64_t> layer = entry ? entry->getInteger("layer") : std::nullopt;
    std::optional<StringRef> op = entry ? entry->getString("op") : std::nullopt;
    std::optional<StringRef> shape = entry ? entry->getString("shape") : std::nullopt;
    std::optional<StringRef> schedule =
        entry ? entry->getString("schedule") : std::nullopt;
    if (!layer || !op || !shape || !schedule)
      return fail("every layer needs \"layer\" (integer), \"op\", \"shape\" "
                  "and \"schedule\" (strings)");
    if (!schedules.insert({*layer, {op->str(), shape->str(), schedule->str()}})
             .second)
      return fail("layer " + Twine(*layer) + " is listed twice");
  }
  return true;
}

} // namespace pat
