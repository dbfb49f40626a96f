//! Tencent Cloud API request signatures: TC3-HMAC-SHA256 (v3) and HmacSHA1/HmacSHA256 (v1).
