//! The multipart/form-data reader of TC3 POST requests, on raw HTTP requests.
#![no_main]

use certhub_api::tencent::request;
use certhub_fuzz::RawRequest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let r = RawRequest::parse(data);
    let content_type = r.header("content-type").unwrap_or_default();
    let body = bytes::Bytes::copy_from_slice(r.body);
    let _ = futures_executor::block_on(request::multipart_params(content_type, body));
});
