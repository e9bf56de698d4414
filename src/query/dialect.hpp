#pragma once
// The two query dialects ldb accepts.

namespace ldb::query {

// ldb (`--query`): bare numbers are number literals and touching a missing key
// makes the whole expression "missing". jmespath (`--jquery`): exactly standard
// JMESPath, where a missing key is null.
enum class Dialect { ldb, jmespath };

}  // namespace ldb::query
