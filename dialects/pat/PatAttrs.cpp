//===- PatAttrs.cpp - Attributes of the pat dialect -----------------------===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#include "dialects/pat/PatAttrs.h"
#include "dialects/pat/KernelMasks.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace pat;

#define GET_ATTRDEF_CLASSES
#include "dialects/pat/PatAttrs.cpp.inc"

void PatDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/pat/PatAttrs.cpp.inc"
      >();
}

int64_t PatternSetAttr::taps(size_t id) const {
  return maskTaps(getMasks()[id]);
}

LogicalResult
PatternSetAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                       int64_t kernelH, int64_t kernelW,
                       ArrayRef<uint64_t> masks) {
  if (kernelH < 1 || kernelW < 1 || kernelH * kernelW > kMaxMaskedTaps)
    return emitError() << "pattern kernel must have 1 to " << kMaxMaskedTaps
                       << " taps, got " << kernelH << "x" << kernelW;
  uint64_t all = kernelH * kernelW == 64
                     ? ~uint64_t(0)
                     : (uint64_t(1) << (kernelH * kernelW)) - 1;
  for (size_t i = 0; i < masks.size(); ++i) {
    if (masks[i] == 0)
      return emitError() << "pattern " << i << " is empty";
    if (masks[i] & ~all)
      return emitError() << "pattern " << i << " has taps outside the "
                         << kernelH << "x" << kernelW << " kernel";
    for (size_t j = 0; j < i; ++j)
      if (masks[j] == masks[i])
        return emitError() << "patterns " << j << " and " << i
                           << " are the same";
  }
  return success();
}

// #pat.patterns<3x3, ["010/111/000", ...]>
Attribute PatternSetAttr::parse(AsmParser &parser, Type) {
  SmallVector<int64_t> dims;
  if (parser.parseLess() ||
      parser.parseDimensionList(dims, /*allowDynamic=*/false,
                                /*withTrailingX=*/false) ||
      parser.parseComma())
    return {};
  if (dims.size() != 2) {
    parser.emitError(parser.getCurrentLocation(),
                     "expected a kernel size like 3x3");
    return {};
  }
  SmallVector<uint64_t> masks;
  auto parseMask = [&]() -> ParseResult {
    std::string text;
    llvm::SMLoc loc = parser.getCurrentLocation();
    if (parser.parseString(&text))
      return failure();
    KernelMask mask;
    if (!maskFromString(text, dims[0], dims[1], mask))
      return parser.emitError(loc, "pattern \"")
             << text << "\" is not " << dims[0] << " rows of " << dims[1]
             << " '0'/'1' separated by '/'";
    masks.push_back(mask);
    return success();
  };
  if (parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, parseMask) ||
      parser.parseGreater())
    return {};
  return parser.getChecked<PatternSetAttr>(parser.getContext(), dims[0],
                                           dims[1], masks);
}

void PatternSetAttr::print(AsmPrinter &printer) const {
  printer << "<" << getKernelH() << "x" << getKernelW() << ", [";
  llvm::interleaveComma(getMasks(), printer, [&](uint64_t m) {
    printer << '"' << maskToString(m, getKernelH(), getKernelW()) << '"';
  });
  printer << "]>";
}
