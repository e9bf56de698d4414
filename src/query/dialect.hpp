#pragma once
// The two query dialects ldb accepts.

namespace ldb::query {

// ldb (`--query`): bare numbers are number literals, and a key missing at the
// top of the expression (not inside projections or filters) makes its
// comparison "missing" rather than null (expression.hpp).
// jmespath (`--jquery`): exactly standard JMESPath, where a missing key is null.
enum class Dialect { ldb, jmespath };

}  // namespace ldb::query
