-- 0006 inventory marketplace
--
-- Parts & inventory (seed section 5): inventory, stock locations, parts
-- marketplace.
--
-- Tables, columns, types, defaults, foreign keys, UNIQUEs and index names
-- are the seed's (SiteSync V3 schema), copied verbatim. After each table comes
-- what the seed lacks (docs/schema.md): CHECK constraints, triggers, RLS
-- (ENABLE + FORCE, per-command policies with WITH CHECK) and grants.

-- =============================================================================
-- inventory_items
-- =============================================================================

-- INVENTORY ITEMS (Master catalog)
CREATE TABLE inventory_items (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID NOT NULL REFERENCES organizations(id),

    -- Identification
    part_number VARCHAR(100) NOT NULL,
    manufacturer_part_number VARCHAR(100),
    upc_code VARCHAR(50),

    -- Description
    name VARCHAR(255) NOT NULL,
    description TEXT,

    -- Classification
    category VARCHAR(100),
    subcategory VARCHAR(100),

    -- Manufacturer
    manufacturer VARCHAR(100),

    -- Compatibility
    compatible_manufacturers TEXT[],
    compatible_models TEXT[],
    compatible_equipment_types TEXT[],

    -- Pricing
    unit_cost DECIMAL(10, 2),
    sale_price DECIMAL(10, 2),

    -- Stock Management
    minimum_stock INTEGER DEFAULT 0,
    reorder_point INTEGER DEFAULT 0,
    reorder_quantity INTEGER DEFAULT 1,

    -- Totals (computed)
    total_on_hand INTEGER DEFAULT 0,
    total_reserved INTEGER DEFAULT 0,
    total_available INTEGER DEFAULT 0,

    -- Specifications
    specifications JSONB DEFAULT '{}',

    -- Images
    image_urls TEXT[],

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),

    UNIQUE(organization_id, part_number)
);

CREATE INDEX idx_inventory_org ON inventory_items(organization_id);
CREATE INDEX idx_inventory_part ON inventory_items(part_number);
CREATE INDEX idx_inventory_manufacturer ON inventory_items(manufacturer);
CREATE INDEX idx_inventory_compatible ON inventory_items USING GIN(compatible_manufacturers);

ALTER TABLE inventory_items
    ADD CONSTRAINT inventory_items_total_on_hand_check CHECK (total_on_hand >= 0),
    ADD CONSTRAINT inventory_items_total_reserved_check CHECK (total_reserved >= 0),
    ADD CONSTRAINT inventory_items_unit_cost_check CHECK (unit_cost >= 0),
    ADD CONSTRAINT inventory_items_sale_price_check CHECK (sale_price >= 0);

CREATE TRIGGER inventory_items_set_updated_at
    BEFORE UPDATE ON inventory_items
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE inventory_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE inventory_items FORCE ROW LEVEL SECURITY;
-- Organisation-scoped (write into / move to another organisation rejected).
CREATE POLICY inventory_org_isolation ON inventory_items
    USING (organization_id = app_current_org())
    WITH CHECK (organization_id = app_current_org());

GRANT SELECT, INSERT, UPDATE, DELETE ON inventory_items TO sitesync_app;
GRANT ALL ON inventory_items TO sitesync_service;

-- =============================================================================
-- stock_locations
-- =============================================================================

-- STOCK LOCATIONS (Van stock, warehouse, etc.)
CREATE TABLE stock_locations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID NOT NULL REFERENCES organizations(id),
    inventory_item_id UUID NOT NULL REFERENCES inventory_items(id) ON DELETE CASCADE,

    -- Location Type
    location_type VARCHAR(50) NOT NULL,
    -- 'warehouse', 'van', 'site', 'consignment'
    location_name VARCHAR(255) NOT NULL,

    -- If van stock, link to technician
    contractor_id UUID REFERENCES contractors(id),
    user_id UUID REFERENCES users(id),

    -- If site stock
    site_id UUID REFERENCES sites(id),

    -- Quantity
    quantity_on_hand INTEGER NOT NULL DEFAULT 0,
    quantity_reserved INTEGER DEFAULT 0,
    quantity_available INTEGER GENERATED ALWAYS AS (quantity_on_hand - quantity_reserved) STORED,

    -- Reorder
    minimum_stock INTEGER DEFAULT 0,
    reorder_point INTEGER DEFAULT 0,

    -- Last Count
    last_count_date DATE,
    last_count_quantity INTEGER,

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_stock_org ON stock_locations(organization_id);
CREATE INDEX idx_stock_item ON stock_locations(inventory_item_id);
CREATE INDEX idx_stock_contractor ON stock_locations(contractor_id);
CREATE INDEX idx_stock_type ON stock_locations(location_type);

ALTER TABLE stock_locations
    ADD CONSTRAINT stock_locations_location_type_check CHECK (location_type IN (
        'warehouse', 'van', 'site', 'consignment')),
    ADD CONSTRAINT stock_locations_quantity_on_hand_check CHECK (quantity_on_hand >= 0),
    ADD CONSTRAINT stock_locations_quantity_reserved_check CHECK (
        quantity_reserved >= 0 AND quantity_reserved <= quantity_on_hand);

-- Totals (schema-note 15): inventory_items.total_on_hand / total_reserved /
-- total_available are the sums over the item's stock locations. Each change
-- applies its delta in one atomic UPDATE (the item's row lock serialises
-- concurrent stock movements). SECURITY DEFINER as sitesync_service so the
-- totals stay right whoever moves stock. The organisation match stops a stock
-- row that references another organisation's item (a foreign key ignores
-- RLS) from touching that item.
CREATE FUNCTION stock_locations_maintain_item_totals() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    d_on_hand integer;
    d_reserved integer;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        d_on_hand  := -coalesce(OLD.quantity_on_hand, 0);
        d_reserved := -coalesce(OLD.quantity_reserved, 0);
        IF TG_OP = 'UPDATE' AND NEW.inventory_item_id = OLD.inventory_item_id
           AND NEW.organization_id = OLD.organization_id THEN
            -- Same item: apply one net delta below.
            NULL;
        ELSE
            UPDATE inventory_items
               SET total_on_hand   = total_on_hand + d_on_hand,
                   total_reserved  = total_reserved + d_reserved,
                   total_available = (total_on_hand + d_on_hand) - (total_reserved + d_reserved)
             WHERE id = OLD.inventory_item_id
               AND organization_id = OLD.organization_id;
            d_on_hand := 0;
            d_reserved := 0;
        END IF;
    ELSE
        d_on_hand := 0;
        d_reserved := 0;
    END IF;

    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        d_on_hand  := d_on_hand + coalesce(NEW.quantity_on_hand, 0);
        d_reserved := d_reserved + coalesce(NEW.quantity_reserved, 0);
        UPDATE inventory_items
           SET total_on_hand   = total_on_hand + d_on_hand,
               total_reserved  = total_reserved + d_reserved,
               total_available = (total_on_hand + d_on_hand) - (total_reserved + d_reserved)
         WHERE id = NEW.inventory_item_id
           AND organization_id = NEW.organization_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'inventory item % does not belong to organisation %',
                NEW.inventory_item_id, NEW.organization_id
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END IF;
    RETURN NULL;
END
$$;

ALTER FUNCTION stock_locations_maintain_item_totals() OWNER TO sitesync_service;

CREATE TRIGGER stock_locations_maintain_item_totals
    AFTER INSERT OR DELETE ON stock_locations
    FOR EACH ROW EXECUTE FUNCTION stock_locations_maintain_item_totals();

CREATE TRIGGER stock_locations_maintain_item_totals_on_update
    AFTER UPDATE OF quantity_on_hand, quantity_reserved, inventory_item_id, organization_id
    ON stock_locations
    FOR EACH ROW EXECUTE FUNCTION stock_locations_maintain_item_totals();

CREATE TRIGGER stock_locations_set_updated_at
    BEFORE UPDATE ON stock_locations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE stock_locations ENABLE ROW LEVEL SECURITY;
ALTER TABLE stock_locations FORCE ROW LEVEL SECURITY;
-- Organisation-scoped (write into / move to another organisation rejected).
CREATE POLICY stock_org_isolation ON stock_locations
    USING (organization_id = app_current_org())
    WITH CHECK (organization_id = app_current_org());

GRANT SELECT, INSERT, UPDATE, DELETE ON stock_locations TO sitesync_app;
GRANT ALL ON stock_locations TO sitesync_service;

-- =============================================================================
-- marketplace_listings
-- =============================================================================

-- MARKETPLACE CONDITION ENUM
CREATE TYPE part_condition AS ENUM (
    'new', 'refurbished', 'used_tested', 'used_untested', 'for_parts'
);

-- MARKETPLACE LISTINGS
CREATE TABLE marketplace_listings (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),

    -- Seller
    seller_org_id UUID NOT NULL REFERENCES organizations(id),
    seller_user_id UUID NOT NULL REFERENCES users(id),

    -- Item
    part_number VARCHAR(100) NOT NULL,
    part_name VARCHAR(255) NOT NULL,
    manufacturer VARCHAR(100),
    model_compatibility TEXT[],
    description TEXT,

    -- Condition
    condition part_condition NOT NULL,
    condition_notes TEXT,

    -- Quantity & Pricing
    quantity_available INTEGER NOT NULL,
    unit_price DECIMAL(10, 2) NOT NULL,
    currency VARCHAR(3) DEFAULT 'AUD',

    -- Location
    location_city VARCHAR(100),
    location_state VARCHAR(100),
    location_country VARCHAR(100) DEFAULT 'Australia',

    -- Shipping
    shipping_available BOOLEAN DEFAULT true,
    shipping_cost DECIMAL(10, 2),
    local_pickup BOOLEAN DEFAULT true,

    -- Status
    status VARCHAR(50) DEFAULT 'active',
    -- 'active', 'sold', 'reserved', 'expired', 'withdrawn'

    -- Images
    image_urls TEXT[],

    -- Stats
    view_count INTEGER DEFAULT 0,
    inquiry_count INTEGER DEFAULT 0,

    -- Expiry
    expires_at TIMESTAMPTZ,

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_marketplace_seller ON marketplace_listings(seller_org_id);
CREATE INDEX idx_marketplace_part ON marketplace_listings(part_number);
CREATE INDEX idx_marketplace_manufacturer ON marketplace_listings(manufacturer);
CREATE INDEX idx_marketplace_status ON marketplace_listings(status) WHERE status = 'active';
CREATE INDEX idx_marketplace_location ON marketplace_listings(location_city, location_state);

ALTER TABLE marketplace_listings
    ADD CONSTRAINT marketplace_listings_status_check CHECK (status IN (
        'active', 'sold', 'reserved', 'expired', 'withdrawn')),
    ADD CONSTRAINT marketplace_listings_quantity_available_check CHECK (quantity_available >= 0),
    ADD CONSTRAINT marketplace_listings_unit_price_check CHECK (unit_price >= 0),
    ADD CONSTRAINT marketplace_listings_shipping_cost_check CHECK (shipping_cost >= 0);

CREATE TRIGGER marketplace_listings_set_updated_at
    BEFORE UPDATE ON marketplace_listings
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE marketplace_listings ENABLE ROW LEVEL SECURITY;
ALTER TABLE marketplace_listings FORCE ROW LEVEL SECURITY;
-- The seller organisation sees all its listings; active ones are visible to
-- every signed-in user.
CREATE POLICY marketplace_listings_select ON marketplace_listings FOR SELECT
    USING (seller_org_id = app_current_org()
           OR (status = 'active' AND app_current_user() IS NOT NULL));
-- Only the seller organisation writes; cannot move to another organisation.
CREATE POLICY marketplace_listings_insert ON marketplace_listings FOR INSERT
    WITH CHECK (seller_org_id = app_current_org());
CREATE POLICY marketplace_listings_update ON marketplace_listings FOR UPDATE
    USING (seller_org_id = app_current_org())
    WITH CHECK (seller_org_id = app_current_org());
CREATE POLICY marketplace_listings_delete ON marketplace_listings FOR DELETE
    USING (seller_org_id = app_current_org());

GRANT SELECT, INSERT, UPDATE, DELETE ON marketplace_listings TO sitesync_app;
GRANT ALL ON marketplace_listings TO sitesync_service;

-- =============================================================================
-- marketplace_transactions
-- =============================================================================

-- MARKETPLACE TRANSACTIONS
CREATE TABLE marketplace_transactions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    listing_id UUID NOT NULL REFERENCES marketplace_listings(id),

    -- Parties
    seller_org_id UUID NOT NULL REFERENCES organizations(id),
    buyer_org_id UUID NOT NULL REFERENCES organizations(id),
    buyer_user_id UUID NOT NULL REFERENCES users(id),

    -- Transaction Details
    quantity INTEGER NOT NULL,
    unit_price DECIMAL(10, 2) NOT NULL,
    subtotal DECIMAL(10, 2) NOT NULL,
    shipping_cost DECIMAL(10, 2) DEFAULT 0,
    platform_fee DECIMAL(10, 2) DEFAULT 0,
    total_amount DECIMAL(10, 2) NOT NULL,

    -- Shipping
    shipping_method VARCHAR(50),
    tracking_number VARCHAR(100),
    shipped_at TIMESTAMPTZ,
    delivered_at TIMESTAMPTZ,

    -- Status
    status VARCHAR(50) DEFAULT 'pending',
    -- 'pending', 'paid', 'shipped', 'delivered', 'completed', 'disputed', 'refunded'

    -- Payment
    payment_method VARCHAR(50),
    payment_reference VARCHAR(100),
    paid_at TIMESTAMPTZ,

    -- Reviews
    buyer_rating INTEGER,
    buyer_review TEXT,
    seller_rating INTEGER,
    seller_review TEXT,

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_transaction_listing ON marketplace_transactions(listing_id);
CREATE INDEX idx_transaction_seller ON marketplace_transactions(seller_org_id);
CREATE INDEX idx_transaction_buyer ON marketplace_transactions(buyer_org_id);
CREATE INDEX idx_transaction_status ON marketplace_transactions(status);

ALTER TABLE marketplace_transactions
    ADD CONSTRAINT marketplace_transactions_status_check CHECK (status IN (
        'pending', 'paid', 'shipped', 'delivered', 'completed', 'disputed', 'refunded')),
    ADD CONSTRAINT marketplace_transactions_quantity_check CHECK (quantity > 0),
    ADD CONSTRAINT marketplace_transactions_unit_price_check CHECK (unit_price >= 0),
    ADD CONSTRAINT marketplace_transactions_subtotal_check CHECK (subtotal >= 0),
    ADD CONSTRAINT marketplace_transactions_shipping_cost_check CHECK (shipping_cost >= 0),
    ADD CONSTRAINT marketplace_transactions_platform_fee_check CHECK (platform_fee >= 0),
    ADD CONSTRAINT marketplace_transactions_total_amount_check CHECK (total_amount >= 0),
    ADD CONSTRAINT marketplace_transactions_buyer_rating_check CHECK (buyer_rating BETWEEN 1 AND 5),
    ADD CONSTRAINT marketplace_transactions_seller_rating_check CHECK (seller_rating BETWEEN 1 AND 5);

CREATE TRIGGER marketplace_transactions_set_updated_at
    BEFORE UPDATE ON marketplace_transactions
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE marketplace_transactions ENABLE ROW LEVEL SECURITY;
ALTER TABLE marketplace_transactions FORCE ROW LEVEL SECURITY;
-- Both parties see and update a transaction (shipping, payment, reviews).
CREATE POLICY marketplace_transactions_select ON marketplace_transactions FOR SELECT
    USING (buyer_org_id = app_current_org() OR seller_org_id = app_current_org());
-- Only the buyer starts one, as themselves for their organisation, and the
-- seller must be the listing's seller (no invented counterparties).
CREATE POLICY marketplace_transactions_insert ON marketplace_transactions FOR INSERT
    WITH CHECK (buyer_org_id = app_current_org()
                AND buyer_user_id = app_current_user()
                AND EXISTS (SELECT 1 FROM marketplace_listings l
                            WHERE l.id = marketplace_transactions.listing_id
                              AND l.seller_org_id = marketplace_transactions.seller_org_id));
CREATE POLICY marketplace_transactions_update ON marketplace_transactions FOR UPDATE
    USING (buyer_org_id = app_current_org() OR seller_org_id = app_current_org())
    WITH CHECK (buyer_org_id = app_current_org() OR seller_org_id = app_current_org());
-- No DELETE policy: transactions are financial records.

GRANT SELECT, INSERT, UPDATE, DELETE ON marketplace_transactions TO sitesync_app;
GRANT ALL ON marketplace_transactions TO sitesync_service;
