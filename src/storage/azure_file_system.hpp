#pragma once
// The Azure Blob Storage backend for az://container/prefix paths: List Blobs
// (with markers), Get Blob Properties, ranged Get Blob and Put Blob, signed
// with Shared Key or carrying a SAS token (storage/azure_auth.hpp). A blob's
// Content-MD5, when set, is reported as FileInfo::content_md5 so hashing
// needs no download.

#include <memory>

#include "storage/azure_auth.hpp"
#include "storage/file_system.hpp"

namespace ldb::storage {

std::unique_ptr<FileSystem> make_azure_file_system(AzureConfig config);

}  // namespace ldb::storage
