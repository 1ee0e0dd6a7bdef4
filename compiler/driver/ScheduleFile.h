//===- ScheduleFile.h - Per-layer schedules as JSON files -------*- C++ -*-===//
//
// Part of patc. `patc --save-schedule FILE` writes the schedule every
// tunable layer was emitted with (after --tune: the measured choice);
// `patc --schedule FILE` applies such a file, so a model is tuned once and
// rebuilt without timing it again. Format (docs/tuning.md):
//
//   {"patc_schedule": 1, "target": "x86-64-v4",
//    "layers": [{"layer": 12, "op": "conv2d", "shape": "1x128x28x28",
//                "schedule": "pixel-lane gemm"}, ...]}
//
//===----------------------------------------------------------------------===//

#ifndef PAT_COMPILER_DRIVER_SCHEDULEFILE_H
#define PAT_COMPILER_DRIVER_SCHEDULEFILE_H

#include "compiler/codegen/CEmitter.h"
#include <map>
#include <string>

namespace pat {

/// Writes `model.emitted` as a schedule file for `targetName`.
bool writeScheduleFile(const std::string &path, const std::string &targetName,
                       const EmittedModel &model, std::string &error);

/// Reads a schedule file written for `targetName` into per-layer requests.
bool readScheduleFile(const std::string &path, const std::string &targetName,
                      std::map<int64_t, ScheduleRequest> &schedules,
                      std::string &error);

} // namespace pat

#endif // PAT_COMPILER_DRIVER_SCHEDULEFILE_H
