// parade: process large datasets on every core. The one header users include.
//
//   #include <parade/parade.hpp>
//   auto counts = parade::from(words)
//                     .map([](const std::string& w) { return std::pair{w, 1L}; })
//                     .reduce_by_key(std::plus<>{})
//                     .collect();
#pragma once

#include "parade/cluster.hpp"
#include "parade/context.hpp"
#include "parade/dataset.hpp"
#include "parade/error.hpp"
#include "parade/log.hpp"
#include "parade/options.hpp"
#include "parade/serialize.hpp"
#include "parade/text.hpp"

#include "parade/sources/from.hpp"
#include "parade/sources/generate.hpp"
#include "parade/sources/range.hpp"
#include "parade/io/read_lines.hpp"

#include "parade/ops/aggregate_by_key.hpp"
#include "parade/ops/batch.hpp"
#include "parade/ops/concat.hpp"
#include "parade/ops/count_by_value.hpp"
#include "parade/ops/distinct.hpp"
#include "parade/ops/enumerate.hpp"
#include "parade/ops/filter.hpp"
#include "parade/ops/flat_map.hpp"
#include "parade/ops/group_by.hpp"
#include "parade/ops/group_by_key.hpp"
#include "parade/ops/join.hpp"
#include "parade/ops/map.hpp"
#include "parade/ops/reduce_by_key.hpp"
#include "parade/ops/sample.hpp"
#include "parade/ops/sort.hpp"

#include "parade/actions/collect.hpp"
#include "parade/actions/count.hpp"
#include "parade/actions/fold.hpp"
#include "parade/actions/for_each.hpp"
#include "parade/actions/reduce.hpp"
#include "parade/actions/take.hpp"
#include "parade/actions/top.hpp"
#include "parade/actions/write_lines.hpp"
