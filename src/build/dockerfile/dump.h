// A stable JSON dump of a parsed Dockerfile (ast.h): every field of every instruction with its lines, keys
// sorted. Used by the golden parser tests (tests/unit/build_dockerfile/golden) and for debugging. Pure.
#pragma once

#include "base/json.h"
#include "build/dockerfile/ast.h"

namespace skiff::build::dockerfile {

Json ToJson(const Dockerfile& df);
Json ToJson(const Instruction& in);

}  // namespace skiff::build::dockerfile
